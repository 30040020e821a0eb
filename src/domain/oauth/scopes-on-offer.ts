import type { Delegation } from "../identity/verify-user-token";
import { decide } from "../policy/decide";
import { matchesAny } from "../policy/glob";
import type { AgentPolicy, Policy } from "../policy/policy";

export interface Offer {
  /** Scopes the person may hand the agent: allowed by the agent's role and held by the person. */
  readonly scopes: readonly string[];
  /** Asked for but not on offer, with why (shown on the consent page). */
  readonly withheld: readonly { readonly scope: string; readonly why: "person_lacks" | "agent_may_not" }[];
}

/**
 * The scopes on offer at the consent page: each one asked for (or, when none is asked, each literal
 * scope of the agent's grants on this resource) is put through the same `decide` as
 * POST /v1/credentials, with the person as the user: role ∩ the person's entitlements, explicit
 * denies, the environment wall and the resource server's audience all apply.
 */
export function scopesOnOffer(policy: Policy, agent: AgentPolicy, resource: string, asked: readonly string[] | undefined, person: Delegation): Offer {
  const candidates = asked ?? [
    ...new Set(agent.grants.filter((g) => matchesAny(g.resources, resource)).flatMap((g) => g.scopes.map((s) => s.source).filter((s) => !s.includes("*")))),
  ];
  const scopes: string[] = [];
  const withheld: Offer["withheld"][number][] = [];
  for (const scope of candidates) {
    const decision = decide(policy, agent, { scopes: [scope], resource, audience: resource, user: { id: person.user, entitlements: person.entitlements } });
    if (decision.outcome === "allow") scopes.push(scope);
    else withheld.push({ scope, why: decision.outcome === "deny" && decision.reason === "user_lacks_scope" ? "person_lacks" : "agent_may_not" });
  }
  return { scopes, withheld };
}
