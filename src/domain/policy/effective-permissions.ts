import { requestProblem } from "./canonical-request";
import { decide } from "./decide";
import { matchesAny } from "./glob";
import { sampleOf } from "./glob-cover";
import type { DenyReason } from "./decision";
import type { CompiledGrant, Policy } from "./policy";

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

/** One grant's scope × resource pattern of an agent, and what a request for an example of it gets. */
export interface AgentPermission {
  readonly scope: string;
  readonly resource: string;
  /** `deny`: a deny rule, an environment wall or no resource server cuts the grant (`reason`, `rule`). */
  readonly outcome: "allow" | "pending_approval" | "deny";
  /** The rule that decides the example: the covering grant, or the deny rule. */
  readonly rule?: string;
  readonly reason?: DenyReason;
  readonly maxTtl: number;
  readonly maxUses?: number;
  /** Who must approve (`group:…`/`user:…`) and how many, for `pending_approval`. */
  readonly approval?: CompiledGrant["approval"];
  /** Only when acting for a person (`requires_user`): probed for a person entitled to everything. */
  readonly forPeople: boolean;
}

/**
 * What an agent can effectively do, grant by grant: each scope × resource pattern of its grants,
 * decided by `decide` for one concrete example of it (`*` and `**` become `x`), so deny rules,
 * environment walls and earlier grants show as they act on a real request. The same decision the
 * who-can view (`whoCan`) and issuance make; patterns cannot be enumerated, so this is a probe.
 */
export function agentPermissions(policy: Policy, agentId: string): AgentPermission[] {
  const agent = policy.agents.get(agentId);
  if (!agent) return [];
  return agent.grants.flatMap((grant) =>
    grant.scopes.flatMap((scope) =>
      grant.resources.map((resource): AgentPermission => {
        const forPeople = grant.requiresUser === true;
        const decision = decide(policy, agent, {
          scopes: [sampleOf(scope.source)],
          resource: sampleOf(resource.source),
          ...(forPeople ? { user: { id: "a person", entitlements: { covers: () => true } } } : {}),
        });
        const base = {
          scope: scope.source,
          resource: resource.source,
          forPeople,
          maxTtl: grant.maxTtl,
          ...(grant.maxUses === undefined ? {} : { maxUses: grant.maxUses }),
        };
        if (decision.outcome === "deny") return { ...base, outcome: "deny", reason: decision.reason, ...(decision.rule ? { rule: decision.rule } : {}) };
        return { ...base, outcome: decision.outcome, rule: decision.rule, ...(decision.approval ? { approval: decision.approval } : {}) };
      }),
    ),
  );
}
