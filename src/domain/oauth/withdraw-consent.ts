import type { CallContext } from "../call-context";
import type { Person } from "../people/person";
import { recordStep, type AuthorizationServices } from "./authorization-services";
import { revokeGrantTokens } from "./issue-for-grant";

/**
 * A person withdraws what they allowed an agent: the grant is revoked (its refresh token stops at
 * once) and so are the access tokens issued under it. Only the person's own grants; idempotent.
 */
export async function withdrawConsent(services: AuthorizationServices, person: Person, grantId: string, call: CallContext): Promise<boolean> {
  const state = await services.grants.get(grantId);
  if (!state || state.grant.user !== person.subject) return false;
  const revoked = await services.grants.revoke(grantId);
  if (!revoked) return false;
  await revokeGrantTokens(services, revoked);
  const grant = revoked.grant;
  await recordStep(services, call, {
    type: "consent_withdrawn",
    decision: "allow",
    user: grant.user,
    agent: grant.agent,
    environment: grant.environment,
    resource: grant.resource,
    audience: grant.resource,
    scope: grant.scopes.join(" "),
    detail: { grant: grant.id, tokens_revoked: revoked.accessTokens.length },
  });
  return true;
}
