import type { Policy } from "../policy/policy";
import type { ClientDocumentFetcher } from "./client-metadata-document";
import { findOAuthClient, type OAuthClient } from "./oauth-clients";
import { S256_CHALLENGE } from "./pkce";

/** A checked authorization request (OAuth 2.1 §4.1.1 + RFC 7636 + RFC 8707). */
export interface AuthorizationRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  readonly state?: string;
  /** Absent: the client asked for no scope; the consent page offers what the agent may use on the resource. */
  readonly scopes?: readonly string[];
  /** The resource server's audience URL. */
  readonly resource: string;
  readonly codeChallenge: string;
}

/** Why a request is refused; `redirect` is set only once client and redirect URI are known good (RFC 6749 §4.1.2.1). */
export type AuthorizationCheck =
  | { readonly ok: true; readonly request: AuthorizationRequest }
  | {
      readonly ok: false;
      readonly error: "invalid_request" | "invalid_client" | "unsupported_response_type" | "invalid_scope" | "invalid_target";
      readonly reason: string;
      readonly description: string;
      readonly clientId?: string;
      readonly redirect?: { readonly uri: string; readonly state?: string };
    };

const SCOPE_TOKEN = /^[\x21\x23-\x29\x2B-\x5B\x5D-\x7E]{1,128}$/;

/** Checks the query of GET /oauth/authorize; every parameter at most once (RFC 6749 §3.1). */
export async function checkAuthorizationRequest(
  policy: Policy,
  query: Record<string, string | undefined>,
  documents: ClientDocumentFetcher,
): Promise<AuthorizationCheck> {
  const page = (reason: string, description: string, error: "invalid_request" | "invalid_client" = "invalid_request") =>
    ({ ok: false, error, reason, description, clientId: query.client_id }) as const;
  if (query.client_id === undefined) return page("missing_client_id", "client_id is required");
  const found = await findOAuthClient(policy, query.client_id, documents);
  if (!found.ok) return page(found.reason, found.description, "invalid_client");
  const client = found.client;
  const redirectUri = query.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (redirectUri === undefined) return page("missing_redirect_uri", "redirect_uri is required: the client registered more than one");
  // Exact string comparison (RFC 9700 §4.1.3): no prefix, pattern or normalisation, so no open redirect.
  if (!client.redirectUris.includes(redirectUri))
    return page("unregistered_redirect_uri", "redirect_uri is not one the client registered; nothing is sent to it");

  const state = query.state;
  const refuse = (error: Exclude<AuthorizationCheck & { ok: false }, never>["error"], reason: string, description: string) =>
    ({ ok: false, error, reason, description, clientId: client.agent.id, redirect: { uri: redirectUri, state } }) as const;
  if (state !== undefined && state.length > 512) return refuse("invalid_request", "state_too_long", "state must be at most 512 characters");
  if (query.response_type !== "code") return refuse("unsupported_response_type", "unsupported_response_type", "response_type must be code");
  if (query.code_challenge === undefined) return refuse("invalid_request", "pkce_missing", "code_challenge is required (PKCE, S256)");
  if (query.code_challenge_method !== "S256") return refuse("invalid_request", "pkce_method", "code_challenge_method must be S256");
  if (!S256_CHALLENGE.test(query.code_challenge))
    return refuse("invalid_request", "pkce_challenge", "code_challenge must be a base64url SHA-256 (43 characters)");
  if (query.resource === undefined) return refuse("invalid_target", "resource_missing", "resource is required: the URL of the MCP server (RFC 8707)");
  const server = policy.resourceServers.find((rs) => rs.audience === query.resource && rs.environment === client.agent.environment);
  if (!server) return refuse("invalid_target", "unknown_resource", `no resource server in ${client.agent.environment} has the audience ${query.resource}`);
  let scopes: string[] | undefined;
  if (query.scope !== undefined) {
    scopes = [...new Set(query.scope.split(" ").filter(Boolean))];
    if (scopes.length === 0 || scopes.length > 16 || !scopes.every((s) => SCOPE_TOKEN.test(s))) {
      return refuse("invalid_scope", "invalid_scope", "scope must be 1 to 16 space-separated scopes, without wildcards");
    }
  }
  return { ok: true, request: { client, redirectUri, state, scopes, resource: server.audience, codeChallenge: query.code_challenge } };
}

/** The redirect back to the client (RFC 6749 §4.1.2), always with RFC 9207's `iss` so a client can tell authorization servers apart. */
export function redirectBack(redirectUri: string, issuer: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set("iss", issuer);
  return url.toString();
}
