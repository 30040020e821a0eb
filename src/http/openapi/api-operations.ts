import { z } from "zod";
import { rotateBody } from "../routes/admin-keys.routes";
import { AGENT_ID, suspendBody } from "../routes/admin.routes";
import { MAX_WAIT_SECONDS, REQUEST_ID, voteBody } from "../routes/approvals.routes";
import { consistencyQuery, exportQuery, jtiParam, listQuery, proofQuery, seqParam } from "../routes/audit.routes";
import { issueBody, JTI, redeemBody } from "../routes/credentials.routes";
import { subjectRevocationBody } from "../routes/subject-revocations.routes";
import { CLIENT_CREDENTIALS, TOKEN_EXCHANGE } from "../oauth/token.routes";
import { UPSTREAM_ID } from "../routes/connections.routes";
import { UPSTREAM, valueBody } from "../routes/admin-secrets.routes";
import { CONSOLE_OPERATIONS } from "./console-operations";
import { CONSOLE_OPS_OPERATIONS } from "./console-ops-operations";

/** Who may call: the principal kinds `authenticateClient` admits, an approver (an IdP token), a person signed in at Locksmith (session cookie), or anyone. */
export type Caller = "agent" | "resource_server" | "admin" | "auditor" | "approver" | "person" | "credential" | "public";

/**
 * One operation of the HTTP API, as GET /openapi.json describes it. The schemas are the zod schemas
 * the route parses with (exported from its routes file), so the document cannot drift from the checks.
 * test/http/openapi.test.ts compares this table with the routes the express app registers, both ways:
 * a new route fails that test until it has a row here.
 */
export interface ApiOperation {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** The express path, e.g. `/v1/credentials/:jti`. */
  readonly path: string;
  readonly summary: string;
  readonly tag:
    | "credentials"
    | "oauth"
    | "people"
    | "console"
    | "approvals"
    | "revocations"
    | "admin"
    | "audit"
    | "discovery"
    | "operations"
    | "connections"
    | "upstreams";
  readonly callers: readonly Caller[];
  readonly params?: Readonly<Record<string, z.ZodType>>;
  readonly query?: z.ZodObject;
  readonly body?: { readonly type: "application/json" | "application/x-www-form-urlencoded"; readonly schema: z.ZodType };
  /** Success statuses: description and media type (errors are the shared `{error, error_description}` shape). */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly type?: string }>>;
}

const json = (description: string) => ({ description, type: "application/json" });
const credentialId = z.string().regex(JTI);
const requestId = z.string().regex(REQUEST_ID);
const agentId = z.string().regex(AGENT_ID);
const waitQuery = z
  .object({ wait: z.string().regex(/^\d+$/).describe(`long-poll up to this many seconds (0 to ${MAX_WAIT_SECONDS}) while pending`).optional() })
  .strict();

/**
 * The OAuth endpoints read form parameters by hand (RFC 6749 §3.2: repeated or empty parameters have
 * meanings zod does not model), so these schemas document them and are not parsed with.
 */
const clientAuthForm = {
  client_assertion_type: z.literal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer").optional(),
  client_assertion: z.string().optional().describe("private_key_jwt (RFC 7523 §2.2) or a workload token; or send Authorization: Bearer"),
  client_id: z.string().optional(),
};
const tokenForm = z.object({
  grant_type: z.enum([CLIENT_CREDENTIALS, TOKEN_EXCHANGE]),
  scope: z.string().describe("1 to 16 space-separated concrete scopes"),
  resource: z.string().describe("one concrete absolute URI without a fragment (RFC 8707)"),
  expires_in: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
  audience: z.string().optional(),
  subject_token: z.string().optional().describe("token exchange (RFC 8693): the user's JWT"),
  subject_token_type: z.string().optional(),
  requested_token_type: z.string().optional(),
  actor_token: z.string().optional(),
  actor_token_type: z.string().optional(),
  ...clientAuthForm,
});
const tokenParamForm = z.object({ token: z.string(), token_type_hint: z.string().optional(), ...clientAuthForm });

export const API_OPERATIONS: readonly ApiOperation[] = [
  // credentials
  {
    method: "post",
    path: "/v1/credentials",
    summary: "Issue a credential (or open an approval request)",
    tag: "credentials",
    callers: ["agent"],
    body: { type: "application/json", schema: issueBody },
    responses: { 201: json("issued: the credential and its limits"), 202: json("the grant needs approval: {request_id, status: pending_approval}") },
  },
  {
    method: "post",
    path: "/v1/credentials/redeem",
    summary: "Redeem a credential (spends one use)",
    tag: "credentials",
    callers: ["resource_server"],
    body: { type: "application/json", schema: redeemBody },
    responses: { 200: json("{active: true, …} or exactly {active: false}") },
  },
  {
    method: "delete",
    path: "/v1/credentials/:jti",
    summary: "Revoke one credential",
    tag: "credentials",
    callers: ["agent", "admin"],
    params: { jti: credentialId },
    responses: { 204: { description: "revoked (or already revoked)" } },
  },
  {
    method: "get",
    path: "/v1/credentials/requests/:id",
    summary: "Poll an approval request; collects the credential once approved",
    tag: "approvals",
    callers: ["agent"],
    params: { id: requestId },
    query: waitQuery,
    responses: { 200: json("pending_approval, rejected, expired, or approved with the credential") },
  },
  // approvals
  {
    method: "get",
    path: "/v1/approvals",
    summary: "Approval requests waiting for the caller",
    tag: "approvals",
    callers: ["approver"],
    responses: { 200: json("{approvals: […]}") },
  },
  {
    method: "post",
    path: "/v1/approvals/:id",
    summary: "Approve or reject a request",
    tag: "approvals",
    callers: ["approver"],
    params: { id: requestId },
    body: { type: "application/json", schema: voteBody },
    responses: { 200: json("the request after the vote") },
  },
  // revocations
  {
    method: "post",
    path: "/v1/revocations",
    summary: "Revoke every live credential of an agent, a user or an environment",
    tag: "revocations",
    callers: ["admin"],
    body: { type: "application/json", schema: subjectRevocationBody },
    responses: { 200: json("{revoked: <count>}") },
  },
  {
    method: "get",
    path: "/v1/revocations/stream",
    summary: "Revocations as Server-Sent Events (resume with Last-Event-ID)",
    tag: "revocations",
    callers: ["resource_server"],
    responses: { 200: { description: "event: revocation / ready, : heartbeat", type: "text/event-stream" } },
  },
  // OAuth
  {
    method: "post",
    path: "/oauth/token",
    summary: "client_credentials (RFC 6749 §4.4) and token exchange (RFC 8693)",
    tag: "oauth",
    callers: ["agent"],
    body: { type: "application/x-www-form-urlencoded", schema: tokenForm },
    responses: { 200: json("RFC 6749 §5.1 access token response") },
  },
  {
    method: "post",
    path: "/oauth/introspect",
    summary: "Token introspection (RFC 7662); spends one use like a redemption",
    tag: "oauth",
    callers: ["resource_server"],
    body: { type: "application/x-www-form-urlencoded", schema: tokenParamForm },
    responses: { 200: json("{active: true, …} or exactly {active: false}") },
  },
  {
    method: "post",
    path: "/oauth/revoke",
    summary: "Token revocation (RFC 7009)",
    tag: "oauth",
    callers: ["agent", "admin"],
    body: { type: "application/x-www-form-urlencoded", schema: tokenParamForm },
    responses: { 200: { description: "revoked, already revoked, unknown or invalid: all the same (RFC 7009 §2.2)" } },
  },
  {
    method: "get",
    path: "/.well-known/oauth-authorization-server",
    summary: "Authorization server metadata (RFC 8414)",
    tag: "discovery",
    callers: ["public"],
    responses: { 200: json("metadata") },
  },
  {
    method: "get",
    path: "/.well-known/jwks.json",
    summary: "Public signing keys of every environment",
    tag: "discovery",
    callers: ["public"],
    responses: { 200: json("a JWK set") },
  },
  { method: "get", path: "/openapi.json", summary: "This document", tag: "discovery", callers: ["public"], responses: { 200: json("OpenAPI 3.1") } },
  // admin
  {
    method: "post",
    path: "/v1/agents/:id/suspend",
    summary: "Suspend an agent: revokes its credentials, refuses new ones",
    tag: "admin",
    callers: ["admin"],
    params: { id: agentId },
    body: { type: "application/json", schema: suspendBody },
    responses: { 200: json("{agent, status: suspended, changed}") },
  },
  {
    method: "post",
    path: "/v1/agents/:id/resume",
    summary: "Resume a suspended agent",
    tag: "admin",
    callers: ["admin"],
    params: { id: agentId },
    body: { type: "application/json", schema: suspendBody },
    responses: { 200: json("{agent, status: active, changed}") },
  },
  {
    method: "post",
    path: "/v1/admin/policy/reload",
    summary: "Reload the policy bundle from disk",
    tag: "admin",
    callers: ["admin"],
    responses: { 200: json("{policy_version, previous_version, changed}") },
  },
  {
    method: "post",
    path: "/v1/admin/keys/rotate",
    summary: "One signing key rotation step for an environment",
    tag: "admin",
    callers: ["admin"],
    body: { type: "application/json", schema: rotateBody },
    responses: { 200: json("what the step did") },
  },
  // audit
  {
    method: "get",
    path: "/v1/audit/events",
    summary: "Query the ledger (filters, cursor pagination)",
    tag: "audit",
    callers: ["auditor"],
    query: listQuery,
    responses: { 200: json("{events, next_cursor}") },
  },
  {
    method: "get",
    path: "/v1/audit/events/:seq",
    summary: "One ledger event",
    tag: "audit",
    callers: ["auditor"],
    params: { seq: seqParam },
    responses: { 200: json("the event") },
  },
  {
    method: "get",
    path: "/v1/audit/events/:seq/proof",
    summary: "Inclusion proof of an event",
    tag: "audit",
    callers: ["auditor"],
    params: { seq: seqParam },
    query: proofQuery,
    responses: { 200: json("audit path, root hash and signed checkpoint") },
  },
  {
    method: "get",
    path: "/v1/audit/consistency",
    summary: "Consistency proof between two tree sizes",
    tag: "audit",
    callers: ["auditor"],
    query: consistencyQuery,
    responses: { 200: json("the proof and the two checkpoints") },
  },
  {
    method: "get",
    path: "/v1/audit/checkpoint",
    summary: "The latest signed checkpoint",
    tag: "audit",
    callers: ["auditor"],
    responses: { 200: json("{size, root_hash, checkpoint}") },
  },
  {
    method: "get",
    path: "/v1/audit/export",
    summary: "Export events as NDJSON, one canonical event per line",
    tag: "audit",
    callers: ["auditor"],
    query: exportQuery,
    responses: { 200: { description: "one event per line", type: "application/x-ndjson" } },
  },
  {
    method: "get",
    path: "/v1/audit/trace/:jti",
    summary: "A credential's story: issued, redeemed, revoked",
    tag: "audit",
    callers: ["auditor"],
    params: { jti: jtiParam },
    responses: { 200: json("the trace") },
  },
  // operations
  { method: "get", path: "/healthz", summary: "The process answers", tag: "operations", callers: ["public"], responses: { 200: json("{status: ok}") } },
  {
    method: "get",
    path: "/readyz",
    summary: "Every store answers",
    tag: "operations",
    callers: ["public"],
    responses: { 200: json("{status: ready, checks}"), 503: json("{status: unavailable, checks}") },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (when LOCKSMITH_METRICS=on)",
    tag: "operations",
    callers: ["public"],
    responses: { 200: { description: "Prometheus text format", type: "text/plain" } },
  },
  {
    method: "get",
    path: "/v1/connections/:upstream/connect",
    summary: "Connect an upstream account (kind oauth2): signs the person in at Locksmith, then authorization code + PKCE at the upstream",
    tag: "connections",
    callers: ["person"],
    params: { upstream: z.string().regex(UPSTREAM_ID) },
    responses: { 303: { description: "to Locksmith's sign-in, or to the upstream's authorization page" } },
  },
  {
    method: "get",
    path: "/v1/connections/callback",
    summary: "The upstream sends the person back here: the refresh token is sealed under (person, upstream)",
    tag: "connections",
    callers: ["person"],
    responses: { 200: { description: "a page: connected", type: "text/html" } },
  },
  {
    method: "get",
    path: "/v1/connections",
    summary: "The signed-in person's connected accounts (never a token) and the CSRF token a disconnect needs",
    tag: "connections",
    callers: ["person"],
    responses: { 200: json("{user, csrf_token, connections: [{upstream, connected_at, updated_at}]}"), 303: { description: "to Locksmith's sign-in" } },
  },
  {
    method: "delete",
    path: "/v1/connections/:upstream",
    summary: "Disconnect: the sealed refresh token is deleted; the next request for it is connection_required (X-CSRF-Token required)",
    tag: "connections",
    callers: ["person"],
    params: { upstream: z.string().regex(UPSTREAM_ID) },
    responses: { 204: { description: "disconnected (idempotent)" } },
  },
  // People's pages (Token A): browsers, a signed-in person's session; the forms carry a CSRF token.
  {
    method: "get",
    path: "/oauth/authorize",
    summary: "Authorization endpoint (OAuth 2.1 code + PKCE S256, RFC 8707 resource, RFC 9207 iss): sign-in at the company IdP, then the consent page",
    tag: "people",
    callers: ["person"],
    responses: { 200: { description: "the consent page", type: "text/html" }, 303: { description: "to the sign-in, or back to the client with a code" } },
  },
  {
    method: "post",
    path: "/oauth/authorize/consent",
    summary: "The person allows or denies what the consent page offered (CSRF token required)",
    tag: "people",
    callers: ["person"],
    responses: { 303: { description: "back to the client's redirect URI with code and iss, or access_denied" } },
  },
  {
    method: "get",
    path: "/oauth/login/callback",
    summary: "The company IdP sends the person back here (OpenID Connect code + PKCE + nonce)",
    tag: "people",
    callers: ["person"],
    responses: { 303: { description: "on to where the sign-in started" } },
  },
  {
    method: "post",
    path: "/oauth/logout",
    summary: "Ends the person's Locksmith session (a same-origin form with the session's CSRF token)",
    tag: "people",
    callers: ["person"],
    responses: {
      200: { description: "signed out (a page)" },
      403: { description: "not sent from a Locksmith page with the session's CSRF token: the session goes on" },
    },
  },
  {
    method: "get",
    path: "/oauth/consents",
    summary: "The person's grants to MCP clients, each withdrawable",
    tag: "people",
    callers: ["person"],
    responses: { 200: { description: "a page listing the grants", type: "text/html" } },
  },
  {
    method: "post",
    path: "/oauth/consents/withdraw",
    summary: "Withdraws one grant: its refresh tokens stop at once (CSRF token required)",
    tag: "people",
    callers: ["person"],
    responses: { 303: { description: "back to the list" } },
  },
  // The people's console (docs/console.md): pages for people signed in at the company IdP, with a console role.
  ...CONSOLE_OPERATIONS,
  ...CONSOLE_OPS_OPERATIONS,
  // Upstream secrets (Token B): admins put, rotate, delete and list them; a value is never returned.
  {
    method: "get",
    path: "/v1/admin/secrets",
    summary: "Lists upstream secrets' metadata (never a value)",
    tag: "upstreams",
    callers: ["admin"],
    responses: { 200: json("{secrets: [...]}") },
  },
  ...(["put", "post", "delete"] as const).map(
    (method): ApiOperation => ({
      method,
      path: method === "post" ? "/v1/admin/secrets/:upstream/rotate" : "/v1/admin/secrets/:upstream",
      summary: { put: "Stores an upstream's secret (sealed)", post: "Rotates an upstream's secret", delete: "Deletes an upstream's secret" }[method],
      tag: "upstreams",
      callers: ["admin"],
      params: { upstream: z.string().regex(UPSTREAM) },
      ...(method === "delete" ? {} : { body: { type: "application/json" as const, schema: valueBody } }),
      responses: method === "delete" ? { 204: { description: "deleted (idempotent)" } } : { 200: json("the secret's metadata") },
    }),
  ),
  // The egress proxy: any method; Locksmith checks method and path against the credential's scopes before the upstream is called.
  ...(["get", "post", "put", "patch", "delete"] as const).map(
    (method): ApiOperation => ({
      method,
      path: "/v1/proxy/:upstream{/*path}",
      summary: "Calls an api_key upstream with its sealed key injected, if the credential's scopes allow this method and path",
      tag: "upstreams",
      callers: ["credential"],
      params: { upstream: z.string().regex(UPSTREAM), path: z.string() },
      responses: { 200: { description: "the upstream's answer, streamed, with the key stripped" } },
    }),
  ),
];
