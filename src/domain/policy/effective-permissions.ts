import { requestProblem } from "./canonical-request";
import { decide } from "./decide";
import { matchesAny } from "./glob";
import { sampleOf } from "./glob-cover";
import type { Policy } from "./policy";

/** What one agent gets for one concrete scope on one concrete resource. */
export interface Permission {
  readonly agent: string;
  readonly environment: string;
  readonly scope: string;
  readonly resource: string;
  readonly outcome: "allow" | "pending_approval";
  readonly rule: string;
  /** The longest credential it could get (the covering grant's max_ttl). */
  readonly maxTtl: number;
}

/** Every agent that could get `scope` on `resource`, with the rule that lets it; nobody for a non-canonical request (Locksmith answers it 400). */
export function whoCan(policy: Policy, scope: string, resource: string): Permission[] {
  if (requestProblem({ scopes: [scope], resource })) return [];
  return [...policy.agents.keys()].flatMap((agent) => {
    const p = permission(policy, agent, scope, resource);
    return p ? [p] : [];
  });
}

export function permission(policy: Policy, agentId: string, scope: string, resource: string): Permission | undefined {
  const agent = policy.agents.get(agentId);
  if (!agent) return undefined;
  const decision = decide(policy, agent, { scopes: [scope], resource });
  if (decision.outcome === "deny") return undefined;
  const grant = agent.grants.find((g) => matchesAny(g.scopes, scope) && matchesAny(g.resources, resource))!;
  return { agent: agentId, environment: agent.environment, scope, resource, outcome: decision.outcome, rule: decision.rule, maxTtl: grant.maxTtl };
}

export interface PermissionChange {
  readonly agent: string;
  readonly scope: string;
  readonly resource: string;
  readonly before?: Permission;
  readonly after?: Permission;
}

/**
 * What every agent can newly do and no longer do between two bundles. Patterns
 * cannot be enumerated, so both bundles are probed with one concrete example of
 * every scope and resource pattern either of them names (`*` and `**` become
 * `x`): every grant, deny and resource server is exercised at least once.
 */
export function diffPermissions(before: Policy, after: Policy): PermissionChange[] {
  const scopes = probes(before, after, "scopes");
  const resources = probes(before, after, "resources");
  const agents = [...new Set([...before.agents.keys(), ...after.agents.keys()])].sort();
  const changes: PermissionChange[] = [];
  for (const agent of agents) {
    for (const resource of resources) {
      for (const scope of scopes) {
        const was = permission(before, agent, scope, resource);
        const is = permission(after, agent, scope, resource);
        if (was?.outcome === is?.outcome && was?.maxTtl === is?.maxTtl && was?.environment === is?.environment) continue;
        changes.push({ agent, scope, resource, before: was, after: is });
      }
    }
  }
  return changes;
}

function probes(a: Policy, b: Policy, field: "scopes" | "resources"): string[] {
  const patterns = [a, b].flatMap((policy) => [
    ...[...policy.agents.values()].flatMap((agent) => [...agent.grants, ...agent.denies].flatMap((rule) => rule[field].map((g) => g.source))),
    ...(field === "resources" ? policy.resourceServers.flatMap((rs) => rs.resources.map((g) => g.source)) : []),
  ]);
  return [...new Set(patterns.map(sampleOf))].sort();
}
