import fc from "fast-check";
import { decide } from "../../../../src/domain/policy/decide";
import { explainRequest } from "../../../../src/domain/policy/explain";
import { globCovers } from "../../../../src/domain/policy/glob-cover";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { DEFAULT_MAX_TTL_SECONDS } from "../../../../src/domain/policy/policy";
import { PUBLIC_KEY } from "../../support/bundle-text";
import { referenceMatchesAny } from "../../support/reference-glob";

/**
 * Random small bundles and requests over a tiny vocabulary, so that patterns overlap
 * often. The checks read the generated bundle, not the compiled policy, and match with
 * the naive reference globs, so they do not share code with decide().
 */
const ENVIRONMENTS = ["staging", "production"] as const;
const SCOPES = ["s:read", "s:write", "s:delete", "t:read"];
const SCOPE_PATTERNS = [...SCOPES, "s:*", "*:read", "*:delete", "*", "**"];
const RESOURCES = ["r:x/1", "r:x/2", "r:y/1", "r:x/1/z", "q:x/1"];
const RESOURCE_PATTERNS = [...RESOURCES, "r:x/*", "r:*/1", "r:**", "r:x/**", "**", "q:**"];
const SERVED = ["r:**", "q:**", "**", "r:x/**", "r:*/1"];
const TTLS = [1, 30, 60, 120, 300, 600, 900, 1000, 3600];

interface GrantSpec {
  scopes: string[];
  resources: string[];
  max_ttl?: number;
  ttl?: number;
  max_uses?: number;
  approval?: { readonly approvers: readonly string[]; readonly count: number };
}
interface RuleSpec {
  scopes: string[];
  resources: string[];
}

const some = <T>(values: readonly T[]) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 });

const maybe = <T>(arb: fc.Arbitrary<T>, presentOneIn: number) =>
  fc.oneof({ arbitrary: arb, weight: 1 }, { arbitrary: fc.constant(undefined), weight: presentOneIn - 1 });

const grantArb: fc.Arbitrary<GrantSpec> = fc
  .record({
    scopes: some(SCOPE_PATTERNS),
    resources: some(RESOURCE_PATTERNS),
    max_ttl: maybe(fc.constantFrom(30, 60, 300, 900, 3600), 2),
    ttl: maybe(fc.constantFrom(...TTLS), 3),
    max_uses: maybe(fc.integer({ min: 1, max: 5 }), 3),
    approval: maybe(fc.constant({ approvers: ["group:leads"], count: 1 }), 6),
  })
  // A bundle whose default ttl exceeds its max_ttl is refused at load; keep only loadable ones.
  .filter((g) => g.ttl === undefined || g.ttl <= (g.max_ttl ?? DEFAULT_MAX_TTL_SECONDS));

const ruleArb: fc.Arbitrary<RuleSpec> = fc.record({ scopes: some(SCOPE_PATTERNS), resources: some(RESOURCE_PATTERNS) });

const roleArb = fc.record({
  grants: fc.array(grantArb, { maxLength: 5 }),
  deny: fc.array(ruleArb, { maxLength: 1 }),
});

const serverArb = fc.record({
  environment: fc.constantFrom(...ENVIRONMENTS),
  resources: some(SERVED),
});

const scenarioArb = fc.record({
  agentEnvironment: fc.constantFrom(...ENVIRONMENTS),
  roles: fc.array(roleArb, { minLength: 1, maxLength: 2 }),
  servers: fc.array(serverArb, { minLength: 1, maxLength: 3 }),
  request: fc.record({ scopes: some(SCOPES), resource: fc.constantFrom(...RESOURCES), ttl: maybe(fc.constantFrom(...TTLS), 2) }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function bundleText(s: Scenario): string {
  const auth = { method: "private_key_jwt", jwks: { keys: [PUBLIC_KEY] } };
  const bundle = {
    environments: [...ENVIRONMENTS],
    resource_servers: Object.fromEntries(
      s.servers.map((rs, i) => [`rs-${i}`, { environment: rs.environment, audience: `https://rs-${i}.example.com`, resources: rs.resources, auth }]),
    ),
    roles: Object.fromEntries(s.roles.map((role, i) => [`role-${i}`, role])),
    agents: { agent: { environment: s.agentEnvironment, roles: s.roles.map((_, i) => `role-${i}`), auth } },
  };
  return JSON.stringify(bundle, null, 1); // JSON is YAML; undefined fields drop out
}

const covers = (rule: RuleSpec, scope: string, resource: string) =>
  referenceMatchesAny(rule.scopes, scope, "scope") && referenceMatchesAny(rule.resources, resource);

describe("decide (property)", () => {
  it("never grants beyond the policy: every scope covered, nothing denied, ttl within max_ttl, server inside the wall", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const policy = parsePolicy(bundleText(s), "random.yaml");
        const decision = decide(policy, policy.agents.get("agent")!, s.request);
        if (decision.outcome === "deny") return;

        const { scopes, resource } = s.request;
        const grants = s.roles.flatMap((role) => role.grants);
        const denies = s.roles.flatMap((role) => role.deny);
        for (const scope of scopes) {
          const covering = grants.filter((g) => covers(g, scope, resource));
          // never grants a scope no grant covers
          expect(covering.length).toBeGreaterThan(0);
          // never grants what a deny covers
          expect(denies.some((d) => covers(d, scope, resource))).toBe(false);
          // the ttl fits a covering grant of this scope
          expect(decision.ttl).toBeGreaterThan(0);
          expect(decision.ttl).toBeLessThanOrEqual(Math.max(...covering.map((g) => g.max_ttl ?? DEFAULT_MAX_TTL_SECONDS)));
        }
        // never a resource server of another environment, and one that serves the resource
        const server = s.servers[Number(decision.resourceServer.id.replace("rs-", ""))];
        expect(server.environment).toBe(s.agentEnvironment);
        expect(referenceMatchesAny(server.resources, resource)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("explainRequest with user entitlements (property: delegation narrows, never widens)", () => {
  it("allows only what the agent alone would be allowed, and only scopes the user holds", () => {
    fc.assert(
      fc.property(scenarioArb, fc.uniqueArray(fc.constantFrom(...SCOPES), { maxLength: 4 }), (s, entitlements) => {
        const policy = parsePolicy(bundleText(s), "random.yaml");
        const alone = decide(policy, policy.agents.get("agent")!, s.request);
        const delegated = explainRequest(policy, "agent", s.request, entitlements).decision;
        if (delegated.outcome === "deny") return;
        expect(alone).toEqual(delegated);
        for (const scope of s.request.scopes) expect(entitlements).toContain(scope);
      }),
      { numRuns: 500 },
    );
  });
});

describe.each(["resource", "scope"] as const)("globCovers of %s patterns (property: sound, so the validator never calls a live grant shadowed)", (kind) => {
  const PIECES = ["a", "b", "/", ":", "*", "**"];
  const patternArb = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(""));
  const stringArb = fc.array(fc.constantFrom("a", "b", "/", ":", "ab", "x/y"), { maxLength: 6 }).map((parts) => parts.join(""));

  it("when outer covers inner, every string inner matches, outer matches", () => {
    fc.assert(
      fc.property(patternArb, patternArb, fc.array(stringArb, { minLength: 1, maxLength: 20 }), (outer, inner, values) => {
        if (!globCovers(outer, inner, kind)) return;
        for (const value of values) {
          if (referenceMatchesAny([inner], value, kind)) expect(referenceMatchesAny([outer], value, kind)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("covers a pattern by itself and by **", () => {
    fc.assert(fc.property(patternArb, (p) => globCovers(p, p, kind) && globCovers("**", p, kind)));
  });

  it("decides on long patterns of many stars promptly and soundly (no backtracking)", () => {
    const outer = "a:*.*.*.*.*.*.*.*.*.*.*.*b";
    const inner = `a:${".".repeat(400)}c`;
    expect(globCovers(outer, inner, kind)).toBe(false);
    expect(globCovers(outer, `a:${".".repeat(400)}b`, kind)).toBe(true);
  });
});
