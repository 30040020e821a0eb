import type { CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import { newSecret } from "../tickets/ticket-id";
import { recordStep, type AuthorizationServices } from "./authorization-services";
import { issueForGrant, refreshHash, revokeGrantTokens, type PersonTokens } from "./issue-for-grant";

export interface RefreshRequest {
  readonly refreshToken: string | undefined;
  readonly clientId: string;
  /** A subset of the granted scopes (RFC 6749 §6); absent: all of them. */
  readonly scopes?: readonly string[];
  readonly resource?: string;
}

const GRANT_ID = /^[0-9a-f-]{36}$/;

/**
 * The refresh_token grant (OAuth 2.1 §4.3, RFC 9700 §4.14.2): rotate atomically → a reused token
 * revokes the whole grant and its access tokens → a revoked grant (consent withdrawn, a kill
 * switch) refuses → same client → issue through the one issuance story, which refuses a suspended
 * agent or a person who lost the entitlement. Every refusal is `invalid_grant` and a ledger row.
 */
export async function refreshAccessToken(services: AuthorizationServices, request: RefreshRequest, call: CallContext): Promise<PersonTokens> {
  if (request.refreshToken === undefined) throw new LocksmithError("invalid_request", "refresh_token is required");
  const [grantId, secret] = request.refreshToken.split(".");
  const refused = async (reason: string, description: string, who: Record<string, unknown> = { agent: request.clientId }) => {
    await recordStep(services, call, { type: reason === "refresh_reused" ? "refresh_reuse_detected" : "refresh_rejected", decision: "deny", reason, ...who });
    return new LocksmithError("invalid_grant", description);
  };
  if (!GRANT_ID.test(grantId ?? "") || !secret || request.refreshToken.length > 200)
    throw await refused("unknown_refresh_token", "the refresh token is unknown or expired");
  // The request is checked against the grant before the token rotates: a bad request spends nothing, so
  // the client's retry with the same token is not taken for a reuse that revokes the person's grant.
  const known = await services.grants.get(grantId);
  if (known) {
    if (request.resource !== undefined && request.resource !== known.grant.resource)
      throw await refused("resource_mismatch", "resource must be the one the person consented to", { agent: request.clientId, detail: { grant: grantId } });
    const asked = request.scopes ?? known.grant.scopes;
    if (asked.length === 0 || !asked.every((scope) => known.grant.scopes.includes(scope)))
      throw new LocksmithError("invalid_scope", "a refresh may narrow the granted scopes, never widen them");
  }
  const next = `${grantId}.${newSecret()}`;
  const rotated = await services.grants.rotate(grantId, refreshHash(request.refreshToken), refreshHash(next));
  if (rotated.outcome === "unknown") throw await refused("unknown_refresh_token", "the refresh token is unknown or expired");
  const grant = rotated.state.grant;
  const who = {
    user: grant.user,
    agent: grant.agent,
    environment: grant.environment,
    resource: grant.resource,
    audience: grant.resource,
    scope: grant.scopes.join(" "),
    detail: { grant: grant.id },
  };
  if (rotated.outcome === "reused") {
    await revokeGrantTokens(services, rotated.state);
    throw await refused("refresh_reused", "this refresh token was already used: the grant and its tokens are revoked", who);
  }
  if (rotated.outcome === "revoked") throw await refused("grant_revoked", "the grant was revoked (consent withdrawn or a kill switch)", who);
  if (request.clientId !== grant.agent) {
    // A token in the wrong client's hands was stolen: the family goes, as for reuse.
    const revoked = await services.grants.revoke(grant.id);
    if (revoked) await revokeGrantTokens(services, revoked);
    throw await refused("client_mismatch", "the refresh token was issued to another client", who);
  }
  const scopes = request.scopes ?? grant.scopes;
  if (grant.expiresAt <= services.clock.now()) throw await refused("grant_expired", "the grant expired: the person signs in again", who);

  const issued = await issueForGrant(services, grant, scopes, call).catch(async (error: unknown) => {
    if (error instanceof LocksmithError && error.code === "invalid_grant")
      await recordStep(services, call, { type: "refresh_rejected", decision: "deny", reason: String(error.extra.reason ?? "policy"), ...who });
    throw error;
  });
  await recordStep(services, call, { type: "token_refreshed", decision: "allow", ...who, jti: issued.jti, scope: issued.scope });
  return { accessToken: issued.credential, expiresIn: issued.expiresIn, scope: issued.scope, refreshToken: next };
}
