import { requestProblem } from "./canonical-request";
import { decide } from "./decide";
import type { CredentialRequest, Decision } from "./decision";
import { matchesAny } from "./glob";
import type { AgentPolicy, Policy } from "./policy";

/** What a person is entitled to, when the agent acts for one (the user token's scopes). */
export type UserEntitlements = readonly string[];

/** A decision with the rule chain that produced it, one line per step, for people. */
export interface Explanation {
  readonly agent: string;
  readonly decision:
    | Decision
    | {
        readonly outcome: "deny";
        readonly reason: "unknown_agent" | "user_lacks_scope" | "invalid_request";
        readonly rule?: string;
        readonly description: string;
      };
  readonly chain: readonly string[];
}

/**
 * Decides a request as Locksmith would, offline, and says why. With user
 * entitlements the answer is narrowed to them (delegation narrows, never
 * widens): a scope the user does not hold is denied even if the role grants it.
 */
export function explainRequest(policy: Policy, agentId: string, request: CredentialRequest, user?: UserEntitlements): Explanation {
  const agent = policy.agents.get(agentId);
  if (!agent) {
    return {
      agent: agentId,
      decision: { outcome: "deny", reason: "unknown_agent", description: `no agent "${agentId}" in the bundle` },
      chain: [`agent ${agentId}: not in the bundle`],
    };
  }
  const problem = requestProblem(request);
  if (problem) {
    // Locksmith answers such a request 400 before deciding; a string that aliases another must not read as allowed here either.
    return {
      agent: agent.id,
      decision: { outcome: "deny", reason: "invalid_request", description: problem },
      chain: [`request: ${problem} → refused (400 invalid_request)`],
    };
  }
  const decision = decide(policy, agent, request);
  const chain = [`agent ${agent.id} in ${agent.environment}`, ...steps(policy, agent, request, decision)];
  if (decision.outcome === "deny" || !user) return { agent: agent.id, decision, chain };
  const missing = request.scopes.find((scope) => !user.includes(scope));
  if (missing) {
    const description = `the user is not entitled to ${missing}: acting for a user, the agent gets at most what the user holds`;
    chain.push(`user entitlements [${user.join(" ")}]: ${missing} missing → deny (user_lacks_scope)`);
    return { agent: agent.id, decision: { outcome: "deny", reason: "user_lacks_scope", description }, chain };
  }
  chain.push(`user entitlements [${user.join(" ")}]: hold every requested scope`);
  return { agent: agent.id, decision, chain };
}

function steps(policy: Policy, agent: AgentPolicy, request: CredentialRequest, decision: Decision): string[] {
  const lines: string[] = [];
  const servers = policy.resourceServers.filter((rs) => matchesAny(rs.resources, request.resource));
  lines.push(`resource ${request.resource}: served by ${servers.map((rs) => `${rs.id} (${rs.environment})`).join(", ") || "no resource server"}`);
  if (decision.outcome === "deny") {
    lines.push(`→ deny (${decision.reason}${decision.rule ? `, ${decision.rule}` : ""}): ${decision.description}`);
    return lines;
  }
  lines.push(`audience ${decision.resourceServer.audience} (${decision.resourceServer.id})`);
  lines.push(`no deny rule of the agent's roles matches (${agent.denies.map((d) => d.rule).join(", ") || "none"})`);
  for (const scope of request.scopes) {
    const grant = agent.grants.find((g) => matchesAny(g.scopes, scope) && matchesAny(g.resources, request.resource))!;
    lines.push(
      `${scope}: first covering grant ${grant.rule} (max_ttl ${grant.maxTtl}s${grant.maxUses ? `, max_uses ${grant.maxUses}` : ""}${grant.approval ? ", approval" : ""})`,
    );
  }
  lines.push(`ttl ${decision.ttl}s (cap ${Math.min(...agent.grants.filter((g) => decision.rule.split(", ").includes(g.rule)).map((g) => g.maxTtl))}s)`);
  if (decision.approval) lines.push(`approval: ${decision.approval.count} of ${decision.approval.approvers.join(", ")}`);
  lines.push(`→ ${decision.outcome}`);
  return lines;
}
