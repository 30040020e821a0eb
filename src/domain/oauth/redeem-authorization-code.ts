import type { CallContext } from "../call-context";
import { subjectsOf } from "../credentials/credential-subjects";
import { LocksmithError } from "../errors";
import { newSecret, ticketId } from "../tickets/ticket-id";
import { CODE_LIFETIME_MS, CODE_MEMORY_MS, GRANT_LIFETIME_MS, recordStep, type AuthorizationServices } from "./authorization-services";
import type { CodeGrant } from "./consent";
import type { PersonGrant } from "./grant-store";
import { issueForGrant, refreshHash, revokeGrantTokens, type PersonTokens } from "./issue-for-grant";
import { verifierMatches } from "./pkce";

export interface CodeRedemption {
  readonly code: string | undefined;
  readonly clientId: string;
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
  readonly resource: string | undefined;
}

const invalidGrant = (description: string) => new LocksmithError("invalid_grant", description);
/** Left by a replay of the code whose grant is `grantId`, for a concurrent first redemption to find. */
const replayMark = (grantId: string) => ticketId("code_replayed", grantId);

/**
 * The authorization_code grant (OAuth 2.1 §4.1.3): spend the code (once) → a replay revokes the
 * grant and every token issued from it → same client, same redirect URI, PKCE verifier, same
 * resource → start the grant with its first refresh token → issue through the one issuance story.
 * Every refusal is `invalid_grant` and a `code_rejected` row naming why.
 */
export async function redeemAuthorizationCode(services: AuthorizationServices, redemption: CodeRedemption, call: CallContext): Promise<PersonTokens> {
  if (redemption.code === undefined) throw new LocksmithError("invalid_request", "code is required");
  if (redemption.code.length > 128) throw invalidGrant("the code is unknown or expired");
  const taken = await services.tickets.take(ticketId("code", redemption.code));
  if (taken.status === "unknown") {
    await recordStep(services, call, { type: "code_rejected", decision: "deny", reason: "unknown_code", agent: redemption.clientId });
    throw invalidGrant("the code is unknown or expired");
  }
  const code = JSON.parse(taken.value) as CodeGrant;
  const who = {
    user: code.person.subject,
    agent: code.agent,
    environment: code.environment,
    resource: code.resource,
    audience: code.resource,
    scope: code.scopes.join(" "),
  };
  const reject = async (reason: string, description: string, detail: Record<string, string | number | boolean | null> = {}) => {
    await recordStep(services, call, { type: "code_rejected", decision: "deny", reason, ...who, detail: { grant: code.grantId, ...detail } });
    return invalidGrant(description);
  };
  if (taken.status === "spent") {
    // RFC 9700 §4.5.3 / OAuth 2.1 §4.1.3: a second use means the code leaked; what it produced is revoked.
    // The mark first: a first redemption still under way (its grant not yet created) finds it and revokes itself.
    await services.tickets.put(replayMark(code.grantId), "replayed", CODE_MEMORY_MS);
    const revoked = await services.grants.revoke(code.grantId);
    if (revoked) await revokeGrantTokens(services, revoked);
    throw await reject("code_replayed", "the code was already used: the tokens issued from it are revoked", {
      tokens_revoked: revoked?.accessTokens.length ?? 0,
    });
  }
  if (code.issuedAt + CODE_LIFETIME_MS <= services.clock.now()) throw await reject("code_expired", "the code expired");
  if (redemption.clientId !== code.agent) throw await reject("client_mismatch", "the code was issued to another client", { client_id: redemption.clientId });
  if (redemption.redirectUri !== code.redirectUri) throw await reject("redirect_uri_mismatch", "redirect_uri must be the one of the authorization request");
  if (!verifierMatches(redemption.codeVerifier, code.codeChallenge))
    throw await reject("pkce_failed", "code_verifier does not match the code_challenge (PKCE, S256)");
  if (redemption.resource !== undefined && redemption.resource !== code.resource)
    throw await reject("resource_mismatch", "resource must be the one the person consented to");
  // The person consented before a kill switch of them, the agent or the environment: like an approval, that consent does not outlive it.
  const killedAt = await services.tokens.lastRevocation(subjectsOf({ agent: code.agent, user: code.person.subject, environment: code.environment }));
  if (killedAt !== undefined && killedAt >= code.issuedAt)
    throw await reject("revoked_since_consent", "a kill switch hit the person, the agent or the environment after the person consented");

  const now = services.clock.now();
  const grant: PersonGrant = {
    id: code.grantId,
    user: code.person.subject,
    identityProvider: code.person.identityProvider,
    claims: code.person.claims,
    agent: code.agent,
    environment: code.environment,
    resource: code.resource,
    scopes: code.scopes,
    grantedAt: now,
    expiresAt: now + GRANT_LIFETIME_MS,
  };
  const refreshToken = `${grant.id}.${newSecret()}`;
  await services.grants.create(grant, refreshHash(refreshToken));
  let issued: Awaited<ReturnType<typeof issueForGrant>>;
  try {
    issued = await issueForGrant(services, grant, grant.scopes, call);
  } catch (error) {
    await services.grants.revoke(grant.id).catch(() => undefined);
    throw error;
  }
  if ((await services.tickets.get(replayMark(grant.id))) !== undefined) {
    const revoked = await services.grants.revoke(grant.id);
    if (revoked) await revokeGrantTokens(services, revoked);
    throw await reject("code_replayed", "the code was used twice at once: the tokens issued from it are revoked");
  }
  await recordStep(services, call, { type: "code_redeemed", decision: "allow", ...who, jti: issued.jti, detail: { grant: grant.id } });
  return { accessToken: issued.credential, expiresIn: issued.expiresIn, scope: issued.scope, refreshToken };
}
