import { revokedBySuspension } from "../agents/suspension-store";
import { subjectsOf } from "../credentials/credential-subjects";
import type { CredentialServices } from "../credentials/credential-services";
import { decide } from "../policy/decide";
import type { Decision, Deny } from "../policy/decision";
import type { Policy } from "../policy/policy";
import type { ApprovalRequest } from "./approval-request";

/**
 * Decides an approved request again, as things stand now: people approved a
 * request, not whatever happens after it. Denied when the agent was suspended
 * since the request was made (even if resumed: resuming does not bring back
 * what a suspension cut off), when a kill switch revoked its agent, person or
 * environment since then, or when the policy now in force denies it (a deny
 * rule loaded during the incident). The person's entitlements were checked
 * against their token when the request was made; the scopes cannot have changed since.
 */
export async function redecideApproved(services: CredentialServices, policy: Policy, r: ApprovalRequest): Promise<Decision> {
  const agent = policy.agents.get(r.agent);
  if (!agent) return deny("no_grant", `agent ${r.agent} is no longer in policy ${policy.version}`);
  if (revokedBySuspension(await services.suspensions.status(r.agent), r.createdAt)) {
    return deny("agent_suspended", `agent ${r.agent} was suspended after this request was made`);
  }
  const killedAt = await services.tokens.lastRevocation(subjectsOf(r));
  if (killedAt !== undefined && killedAt >= r.createdAt) {
    return deny(
      "revoked_since_request",
      `the credentials of agent ${r.agent}${r.user ? `, user ${r.user}` : ""} or environment ${r.environment} were revoked after this request was made`,
    );
  }
  const scopes = r.scope.split(" ");
  const user = r.user === undefined ? undefined : { id: r.user, entitlements: { covers: (scope: string) => scopes.includes(scope) } };
  return services.steps.run("decide", () => decide(policy, agent, { scopes, resource: r.resource, ttl: r.ttl, audience: r.audience, user }));
}

const deny = (reason: Deny["reason"], description: string): Deny => ({ outcome: "deny", reason, description });
