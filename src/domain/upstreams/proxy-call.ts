import { redeemAt, type RedeemOutcome } from "../credentials/redeem-credential";
import type { CallContext } from "../call-context";
import type { CredentialServices } from "../credentials/credential-services";
import { LocksmithError } from "../errors";
import type { SecretVault } from "../secrets/secret-vault";
import { checkProxyTarget, resourceCoversPath, scopesAllowing } from "./proxy-target";
import { keyNeedles } from "./redact-stream";
import type { UpstreamPolicy } from "./upstream-policy";

type ApiKeyUpstream = Extract<UpstreamPolicy, { kind: "api_key" }>;

export interface ProxyServices {
  readonly credentials: CredentialServices;
  readonly secrets: SecretVault;
}

/** An agent's call to `/v1/proxy/{upstream}/{path}`, as the HTTP layer read it. */
export interface ProxyRequest {
  readonly upstream: string;
  readonly method: string;
  /** The path and query after `/v1/proxy/{upstream}`, exactly as sent. */
  readonly target: string;
  /** The Locksmith credential from `Authorization: Bearer`. */
  readonly credential: string;
}

/** Where and how to call the upstream, with its key in place; `needles` must never be echoed back. */
export interface UpstreamCall {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly needles: readonly string[];
  readonly redeemed: Extract<RedeemOutcome, { active: true }>;
}

/**
 * The egress proxy's decision, before anything reaches the upstream:
 * the upstream is an api_key one → the path is plainly one path → the
 * credential is redeemed for that upstream through the one redemption path,
 * which also checks that one of its scopes maps to `method path` and that its
 * resource covers the path, and spends one use → the key is opened and put in
 * place. Every refusal is a ledger row (`redeem_rejected`) and an error here;
 * nothing is sent upstream unless all of it passed.
 */
export async function prepareProxyCall(services: ProxyServices, request: ProxyRequest, call: CallContext): Promise<UpstreamCall> {
  const policy = services.credentials.policy.current();
  const upstream = policy.upstreams?.get(request.upstream);
  const server = policy.resourceServers.find((rs) => rs.upstream?.id === request.upstream);
  if (upstream?.kind !== "api_key" || !server) throw new LocksmithError("not_found", `no api_key upstream ${request.upstream}`);
  const target = checkProxyTarget(request.target);
  if (!target.ok) throw new LocksmithError("invalid_request", target.problem);
  const query = new URLSearchParams(target.query);
  if (upstream.key.in === "query" && query.has(upstream.key.name))
    throw new LocksmithError("invalid_request", `the query must not carry ${upstream.key.name}: Locksmith adds it`);

  const allowing = scopesAllowing(upstream, request.method, target.path);
  const description = `${request.method} ${target.path}`;
  const redeemed = await redeemAt(
    services.credentials,
    policy,
    server,
    {
      credential: request.credential,
      operation: { description, allows: (scopes, resource) => scopes.some((s) => allowing.includes(s)) && resourceCoversPath(upstream, resource, target.path) },
    },
    call,
  );
  if (!redeemed.active) {
    if (redeemed.reason === "operation_not_covered") {
      throw new LocksmithError("permission_denied", `the credential does not allow ${description} on ${upstream.id}`, { reason: "operation_not_covered" });
    }
    throw new LocksmithError("invalid_token", `the credential is not valid for upstream ${upstream.id}`);
  }

  const key = await services.secrets.reveal(upstream.id);
  if (!key)
    throw new LocksmithError(
      "temporarily_unavailable",
      `upstream ${upstream.id} has no key stored: the platform team must run \`locksmith secrets put ${upstream.id}\``,
    );
  return { ...place(upstream, key.toString("utf8"), target.path, target.query), redeemed };
}

function place(upstream: ApiKeyUpstream, key: string, path: string, query: string): Omit<UpstreamCall, "redeemed"> {
  const base = upstream.baseUrl;
  const withKey =
    upstream.key.in === "query" ? [query, `${encodeURIComponent(upstream.key.name)}=${encodeURIComponent(key)}`].filter(Boolean).join("&") : query;
  const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, "")}${path}${withKey ? `?${withKey}` : ""}`);
  // Defence in depth: whatever the path, the call goes to the upstream's origin, under its base path.
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/+$/, "")))
    throw new LocksmithError("invalid_request", "the path leaves the upstream");
  // A line break in a stored key must never become a second header (request splitting): refuse to send it.
  if (upstream.key.in === "header" && !/^[\x20-\x7E]+$/.test(key))
    throw new LocksmithError("bad_gateway", `the stored key of ${upstream.id} cannot be sent in a header: rotate it`);
  const headers: Record<string, string> = upstream.key.in === "header" ? { [upstream.key.name.toLowerCase()]: `${upstream.key.prefix}${key}` } : {};
  return { url, headers, needles: keyNeedles(key) };
}
