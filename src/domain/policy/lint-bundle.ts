import type { Bundle } from "./bundle-schema";
import { resourceProblem, scopeProblem } from "./canonical-request";
import type { BundleProblem } from "./compile-policy";
import { compileResourcePattern, matchesAny, type PatternKind } from "./glob";
import { globsCover, sampleOf } from "./glob-cover";

/**
 * Checks a valid bundle for what is legal but probably wrong, the things a
 * reviewer should not have to spot by eye: patterns that cannot be what was
 * meant, grants that can never decide, grants without their own `max_ttl`,
 * grants of every scope, and agents whose roles point at another environment's
 * resources.
 */
export function lintBundle(bundle: Bundle): BundleProblem[] {
  const found = new Map<string, BundleProblem>();
  const warn = (path: (string | number)[], message: string) => found.set(`${path.join(".")}|${message}`, { path, message });
  const roles = new Map(Object.entries(bundle.roles));

  for (const [path, pattern, kind] of everyPattern(bundle)) {
    const problem = patternProblem(pattern, kind);
    if (problem) warn(path, problem);
  }

  for (const [role, spec] of roles) {
    spec.grants.forEach((grant, i) => {
      if (grant.max_ttl === undefined)
        warn(["roles", role, "grants", i], "has no max_ttl: credentials fall back to the 900s default cap; say how long they may live");
      grant.scopes.forEach((scope, j) => {
        if (/^\*+$/.test(scope)) warn(["roles", role, "grants", i, "scopes", j], `"${scope}" grants every scope: name the scopes`);
      });
      if (grant.approval && Object.keys(bundle.identity_providers ?? {}).length === 0) {
        warn(["roles", role, "grants", i, "approval"], "needs approvers, but the bundle has no identity_providers to authenticate them");
      }
    });
  }

  const servers = Object.entries(bundle.resource_servers).map(([id, rs]) => ({
    id,
    environment: rs.environment,
    resources: rs.resources.map(compileResourcePattern),
  }));
  for (const [agentId, agent] of Object.entries(bundle.agents)) {
    const grants = agent.roles.flatMap((role) => (roles.get(role)?.grants ?? []).map((grant, i) => ({ role, i, grant })));
    const denies = agent.roles.flatMap((role) => roles.get(role)?.deny ?? []);
    grants.forEach(({ role, i, grant }, k) => {
      const path = ["roles", role, "grants", i];
      const earlier = grants.slice(0, k).find((e) => covers(e.grant, grant));
      if (earlier)
        warn(
          path,
          `is shadowed for agent ${agentId}: roles.${earlier.role}.grants[${earlier.i}] comes first and covers everything it covers, so it never decides`,
        );
      if (denies.some((d) => covers(d, grant))) {
        warn(path, `is unreachable for agent ${agentId}: a deny rule of its roles covers all of it`);
      }
      for (const resource of grant.resources) {
        const sample = sampleOf(resource);
        const serving = servers.filter((rs) => matchesAny(rs.resources, sample));
        if (serving.length === 0) warn(path, `resource "${resource}" is served by no resource server`);
        else if (!serving.some((rs) => rs.environment === agent.environment)) {
          const where = [...new Set(serving.map((rs) => rs.environment))].join(", ");
          warn(
            ["agents", agentId, "roles", agent.roles.indexOf(role)],
            `reaches "${resource}" (roles.${role}.grants[${i}]), served only in ${where}; agent ${agentId} is in ${agent.environment}`,
          );
        }
      }
    });
  }
  return [...found.values()];
}

type Rule = { scopes: string[]; resources: string[] };
const covers = (outer: Rule, inner: Rule) => globsCover(outer.scopes, inner.scopes, "scope") && globsCover(outer.resources, inner.resources, "resource");

/** Every scope and resource pattern of the bundle, with its path and kind. */
function* everyPattern(bundle: Bundle): Generator<[(string | number)[], string, PatternKind]> {
  for (const [role, spec] of Object.entries(bundle.roles)) {
    for (const [section, rules] of [
      ["grants", spec.grants],
      ["deny", spec.deny],
    ] as const) {
      for (const [i, rule] of rules.entries()) {
        for (const [j, p] of rule.scopes.entries()) yield [["roles", role, section, i, "scopes", j], p, "scope"];
        for (const [j, p] of rule.resources.entries()) yield [["roles", role, section, i, "resources", j], p, "resource"];
      }
    }
  }
  for (const [id, rs] of Object.entries(bundle.resource_servers)) {
    for (const [j, p] of rs.resources.entries()) yield [["resource_servers", id, "resources", j], p, "resource"];
  }
  for (const [j, p] of (bundle.circuit_breaker?.destructive_scopes ?? []).entries()) yield [["circuit_breaker", "destructive_scopes", j], p, "scope"];
  for (const [id, idp] of Object.entries(bundle.identity_providers ?? {})) {
    for (const [value, scopes] of Object.entries(idp.scope_mapping ?? {})) {
      for (const [j, p] of scopes.entries()) yield [["identity_providers", id, "scope_mapping", value, j], p, "scope"];
    }
  }
}

/**
 * Why a pattern cannot be what its author meant, or undefined. A pattern can
 * match some canonical request exactly when its sample (each wildcard → `x`)
 * is canonical: a wildcard only adds characters, and `x` neither empties a
 * segment nor makes one `.` or `..`.
 */
function patternProblem(pattern: string, kind: PatternKind): string | undefined {
  if (/\*{3,}/.test(pattern))
    return `"${pattern}" has a run of three or more "*", which means the same as "**": write "**" (across "/") or "*" (within a segment)`;
  const sample = sampleOf(pattern);
  if (kind === "resource") {
    const problem = resourceProblem(sample);
    return problem ? `"${pattern}" can never match a requested resource (a requested resource ${problem})` : undefined;
  }
  if (/^\*+$/.test(pattern)) return undefined; // every scope: warned about where it grants
  const colons = pattern.split(":").length - 1;
  if (colons === 0) {
    return pattern.includes("*")
      ? `"${pattern}" has no ":": requested scopes are <namespace>:<action>, and its "*" spans both parts; write e.g. "crm:*" or "*:read"`
      : `"${pattern}" has no ":": requested scopes are <namespace>:<action>, so it can never match one`;
  }
  if (colons > 1) return `"${pattern}" can never match a requested scope (a scope has exactly one ":")`;
  const problem = scopeProblem(sample);
  return problem ? `"${pattern}" can never match a requested scope (${problem.replace(`"${sample}" `, "it ")})` : undefined;
}
