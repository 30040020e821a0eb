import { createHash } from "node:crypto";
import type { CallContext } from "../call-context";
import { issueCredential, type IssuedCredential } from "../credentials/issue-credential";
import { LocksmithError } from "../errors";
import { delegationOf } from "../people/person";
import type { AuthorizationServices } from "./authorization-services";
import type { GrantState, PersonGrant } from "./grant-store";

/** A refresh token is `<grant id>.<secret>`; the store keeps only this hash of it. */
export const refreshHash = (token: string): string => createHash("sha256").update(token).digest("base64url");

/**
 * Issues an access token under a person's grant through the one issuance story (issueCredential:
 * decide with the person as user → mint → store → record `issued`), so the role ∩ the person's
 * entitlements, kill switches, suspensions and max_ttl apply at every code redemption and refresh.
 * The person's claims are read again under the policy in force now.
 */
export async function issueForGrant(
  services: AuthorizationServices,
  grant: PersonGrant,
  scopes: readonly string[],
  call: CallContext,
): Promise<IssuedCredential> {
  const policy = services.policy.current();
  const agent = policy.principals.get(grant.agent);
  const person = delegationOf({ subject: grant.user, identityProvider: grant.identityProvider, claims: grant.claims }, policy);
  if (agent?.kind !== "agent" || !policy.agents.has(grant.agent)) throw new LocksmithError("invalid_grant", `client ${grant.agent} is no longer in the policy`);
  if (!person) throw new LocksmithError("invalid_grant", `identity provider ${grant.identityProvider} is no longer trusted`);
  const outcome = await issueCredential(services, agent, { scopes, resource: grant.resource, audience: grant.resource, person }, call);
  if (outcome.kind === "denied") throw new LocksmithError("invalid_grant", `the policy refuses this now: ${outcome.description}`, { reason: outcome.reason });
  if (outcome.kind === "pending_approval")
    throw new LocksmithError("invalid_grant", "these scopes need an approval, which this flow cannot wait for", { reason: "pending_approval" });
  await services.grants.noteAccessToken(grant.id, outcome.jti);
  // A reuse, code replay, withdrawal or kill switch that revoked the grant while this token was minted did not see its jti: it dies here.
  const state = await services.grants.get(grant.id);
  if (!state || state.revoked) {
    await services.tokens.revoke(outcome.jti);
    throw new LocksmithError("invalid_grant", "the grant was revoked while this token was issued", { reason: "grant_revoked" });
  }
  return outcome;
}

/** Revokes the access tokens issued under a revoked grant (reuse, replay, withdrawal): none outlives it. */
export async function revokeGrantTokens(services: AuthorizationServices, state: GrantState): Promise<void> {
  await Promise.all(state.accessTokens.map((jti) => services.tokens.revoke(jti)));
}

/** The token response (RFC 6749 §5.1) of a person's grant. */
export interface PersonTokens {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string;
  readonly refreshToken: string;
}
