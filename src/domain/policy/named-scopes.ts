import type { Policy } from "./policy";

const cache = new WeakMap<Policy, ReadonlySet<string>>();

/**
 * The scopes a bundle names literally in its grants and deny rules (patterns with `*` name none).
 * Bounded by the bundle, so they may be metric labels; a scope a caller made up never is.
 */
export function namedScopes(policy: Policy): ReadonlySet<string> {
  let named = cache.get(policy);
  if (!named) {
    const sources = [...policy.agents.values()].flatMap((agent) =>
      [...agent.grants, ...agent.denies].flatMap((rule) => rule.scopes.map((glob) => glob.source)),
    );
    named = new Set(sources.filter((source) => !source.includes("*")));
    cache.set(policy, named);
  }
  return named;
}
