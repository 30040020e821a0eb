import { requestProblem } from "./canonical-request";
import { decide } from "./decide";
import type { CredentialRequest, Decision } from "./decision";
import type { Glob } from "./glob";
import { matchesAny } from "./glob";
import type { AgentPolicy, CompiledDeny, CompiledGrant, Policy } from "./policy";

/** What a person is entitled to, when the agent acts for one (the user token's scopes). */
export type UserEntitlements = readonly string[];

/** The rule that decided one scope, and the very patterns of it that matched. */
export interface MatchedRule {
  /** The requested scope this rule decided. */
  readonly scope: string;
  /** `roles.<role>.grants[<i>]` or `roles.<role>.deny[<i>]`. */
  readonly rule: string;
  readonly role: string;
  readonly kind: "grant" | "deny";
  readonly index: number;
  readonly scope_pattern: string;
  readonly resource_pattern: string;
}

/** A decision with the rule chain that produced it, one line per step, for people. */
export interface Explanation {
  readonly agent: string;
  readonly decision:
    | Decision
    | {
        readonly outcome: "deny";
        readonly reason: "unknown_agent" | "invalid_request";
        readonly rule?: string;
        readonly description: string;
      };
  /** The grants that covered each scope (an allow), or the deny rule that won (explicit_deny). */
  readonly matched: readonly MatchedRule[];
  readonly chain: readonly string[];
}

/** The user `explain` decides for: entitlements are concrete scopes, as a user token's claim without `scope_mapping`. */
export const EXPLAINED_USER = "the-user";

/**
 * Decides a request as Locksmith does, offline, with the same function (`decide`) and the same
 * check before it (`requestProblem`, Locksmith's 400), and says why. With user entitlements the
 * request is decided as if the agent acted for a user holding those scopes (delegation narrows,
 * never widens), exactly as the server decides an `on_behalf_of` request: the same deny reasons in
 * the same order (`user_lacks_scope`, `requires_user`, …).
 */
export function explainRequest(policy: Policy, agentId: string, request: CredentialRequest, user?: UserEntitlements): Explanation {
  const agent = policy.agents.get(agentId);
  if (!agent) {
    return {
      agent: agentId,
      decision: { outcome: "deny", reason: "unknown_agent", description: `no agent "${agentId}" in the bundle` },
      matched: [],
      chain: [`agent ${agentId}: not in the bundle → refused (Locksmith answers 401 invalid_client)`],
    };
  }
  const problem = requestProblem(request);
  if (problem) {
    // Locksmith answers such a request 400 before deciding; a string that aliases another must not read as allowed here either.
    return {
      agent: agent.id,
      decision: { outcome: "deny", reason: "invalid_request", description: problem },
      matched: [],
      chain: [`request: ${problem} → refused (400 invalid_request)`],
    };
  }
  const held = user === undefined ? undefined : new Set(user);
  const decision = decide(policy, agent, held ? { ...request, user: { id: EXPLAINED_USER, entitlements: { covers: (scope) => held.has(scope) } } } : request);
  const matched = matchedRules(agent, request, decision);
  const chain = [`agent ${agent.id} in ${agent.environment}`, ...steps(policy, agent, request, decision, matched, user)];
  return { agent: agent.id, decision, matched, chain };
}

function matchedRules(agent: AgentPolicy, request: CredentialRequest, decision: Decision): MatchedRule[] {
  if (decision.outcome === "deny") {
    if (decision.reason !== "explicit_deny") return [];
    for (const scope of request.scopes) {
      const denial = agent.denies.find((rule) => matchesAny(rule.scopes, scope) && matchesAny(rule.resources, request.resource));
      if (denial) return [describeMatch(denial, "deny", scope, request.resource)];
    }
    return [];
  }
  return request.scopes.map((scope) => {
    const grant = agent.grants.find((g) => matchesAny(g.scopes, scope) && matchesAny(g.resources, request.resource))!;
    return describeMatch(grant, "grant", scope, request.resource);
  });
}

function describeMatch(rule: CompiledGrant | CompiledDeny, kind: "grant" | "deny", scope: string, resource: string): MatchedRule {
  const at = /^roles\.(.+)\.(?:grants|deny)\[(\d+)\]$/.exec(rule.rule);
  const first = (globs: readonly Glob[], value: string) => globs.find((glob) => glob.matches(value))!.source;
  return {
    scope,
    rule: rule.rule,
    role: at?.[1] ?? rule.rule,
    kind,
    index: at ? Number(at[2]) : -1,
    scope_pattern: first(rule.scopes, scope),
    resource_pattern: first(rule.resources, resource),
  };
}

function steps(policy: Policy, agent: AgentPolicy, request: CredentialRequest, decision: Decision, matched: MatchedRule[], user?: UserEntitlements): string[] {
  const lines: string[] = [];
  const servers = policy.resourceServers.filter((rs) => matchesAny(rs.resources, request.resource));
  lines.push(`resource ${request.resource}: served by ${servers.map((rs) => `${rs.id} (${rs.environment})`).join(", ") || "no resource server"}`);
  if (user) lines.push(`acting for a user entitled to [${user.join(" ")}]`);
  const pattern = (m: MatchedRule) =>
    `role ${m.role} ${m.kind === "grant" ? "grants" : "deny"}[${m.index}]: scope "${m.scope_pattern}" matches ${m.scope}, resource "${m.resource_pattern}" matches ${request.resource}`;
  if (decision.outcome === "deny") {
    for (const m of matched) lines.push(`${m.rule} wins: ${pattern(m)}`);
    lines.push(`→ deny (${decision.reason}${decision.rule ? `, ${decision.rule}` : ""}): ${decision.description}`);
    return lines;
  }
  lines.push(`audience ${decision.resourceServer.audience} (${decision.resourceServer.id})`);
  lines.push(`no deny rule of the agent's roles matches (${agent.denies.map((d) => d.rule).join(", ") || "none"})`);
  for (const m of matched) {
    const grant = agent.grants.find((g) => g.rule === m.rule)!;
    lines.push(
      `${m.scope}: first covering grant ${m.rule}, ${pattern(m)} (max_ttl ${grant.maxTtl}s${grant.maxUses ? `, max_uses ${grant.maxUses}` : ""}${grant.approval ? ", approval" : ""})`,
    );
  }
  if (user) lines.push(`the user holds every requested scope`);
  lines.push(`ttl ${decision.ttl}s (cap ${Math.min(...agent.grants.filter((g) => decision.rule.split(", ").includes(g.rule)).map((g) => g.maxTtl))}s)`);
  if (decision.approval) lines.push(`approval: ${decision.approval.count} of ${decision.approval.approvers.join(", ")}`);
  lines.push(`→ ${decision.outcome}`);
  return lines;
}
