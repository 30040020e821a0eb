import type { Bundle } from "./bundle-schema";
import type { BundleProblem } from "./compile-policy";
import { compileGlob, matchesAny } from "./glob";
import { globsCover, sampleOf } from "./glob-cover";

/**
 * Checks a valid bundle for what is legal but probably wrong, the things a
 * reviewer should not have to spot by eye: grants that can never decide,
 * grants without their own `max_ttl`, grants of every scope, and agents whose
 * roles point at another environment's resources.
 */
export function lintBundle(bundle: Bundle): BundleProblem[] {
  const found = new Map<string, BundleProblem>();
  const warn = (path: (string | number)[], message: string) => found.set(`${path.join(".")}|${message}`, { path, message });

  for (const [role, spec] of Object.entries(bundle.roles)) {
    spec.grants.forEach((grant, i) => {
      if (grant.max_ttl === undefined) warn(["roles", role, "grants", i], "has no max_ttl: credentials fall back to the 900s default cap; say how long they may live");
      grant.scopes.forEach((scope, j) => {
        if (scope === "*" || scope === "**") warn(["roles", role, "grants", i, "scopes", j], `"${scope}" grants every scope: name the scopes`);
      });
      if (grant.approval && Object.keys(bundle.identity_providers ?? {}).length === 0) {
        warn(["roles", role, "grants", i, "approval"], "needs approvers, but the bundle has no identity_providers to authenticate them");
      }
    });
  }

  const servers = Object.entries(bundle.resource_servers).map(([id, rs]) => ({ id, environment: rs.environment, resources: rs.resources.map(compileGlob) }));
  for (const [agentId, agent] of Object.entries(bundle.agents)) {
    const grants = agent.roles.flatMap((role) => (bundle.roles[role]?.grants ?? []).map((grant, i) => ({ role, i, grant })));
    const denies = agent.roles.flatMap((role) => bundle.roles[role]?.deny ?? []);
    grants.forEach(({ role, i, grant }, k) => {
      const path = ["roles", role, "grants", i];
      const earlier = grants.slice(0, k).find((e) => globsCover(e.grant.scopes, grant.scopes) && globsCover(e.grant.resources, grant.resources));
      if (earlier) warn(path, `is shadowed for agent ${agentId}: roles.${earlier.role}.grants[${earlier.i}] comes first and covers everything it covers, so it never decides`);
      if (denies.some((d) => globsCover(d.scopes, grant.scopes) && globsCover(d.resources, grant.resources))) {
        warn(path, `is unreachable for agent ${agentId}: a deny rule of its roles covers all of it`);
      }
      for (const resource of grant.resources) {
        const sample = sampleOf(resource);
        const serving = servers.filter((rs) => matchesAny(rs.resources, sample));
        if (serving.length === 0) warn(path, `resource "${resource}" is served by no resource server`);
        else if (!serving.some((rs) => rs.environment === agent.environment)) {
          const where = [...new Set(serving.map((rs) => rs.environment))].join(", ");
          warn(["agents", agentId, "roles", agent.roles.indexOf(role)], `reaches "${resource}" (roles.${role}.grants[${i}]), served only in ${where}; agent ${agentId} is in ${agent.environment}`);
        }
      }
    });
  }
  return [...found.values()];
}
