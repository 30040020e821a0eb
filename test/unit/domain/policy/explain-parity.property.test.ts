import fc from "fast-check";
import type { CallContext } from "../../../../src/domain/call-context";
import { issueCredential, type IssueRequest } from "../../../../src/domain/credentials/issue-credential";
import { LocksmithError } from "../../../../src/domain/errors";
import { explainRequest } from "../../../../src/domain/policy/explain";
import { loadPolicyFile, parsePolicy } from "../../../../src/domain/policy/load-policy";
import { DEFAULT_MAX_TTL_SECONDS, type Policy } from "../../../../src/domain/policy/policy";
import { memoryWorld } from "../../../support/memory-services";
import { PUBLIC_KEY } from "../../support/bundle-text";

/**
 * `policy explain` and the server agree on every input: for generated bundles and requests
 * (wildcards, aliasing strings, scopes the user lacks, `requires_user` grants, ttls over the cap),
 * explain's verdict and reason (and rule) are the server's: issueCredential on the memory twins,
 * the very use case POST /v1/credentials runs, with the person's entitlements as a signed-in
 * delegation.
 */
const CALL: CallContext = { requestId: "parity", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", clientIp: "10.0.0.7" };
const ENVIRONMENTS = ["staging", "production"] as const;
const SCOPES = ["s:read", "s:write", "s:delete", "t:read"];
const BAD_SCOPES = ["s:*", "sread", "s:read:x", "*"];
const SCOPE_PATTERNS = [...SCOPES, "s:*", "*:read", "*:delete", "*", "**"];
const RESOURCES = ["r:x/1", "r:x/2", "r:y/1", "r:x/1/z", "q:x/1"];
// What the server refuses before deciding: wildcards, `.`/`..` segments, empty segments, encodings.
const BAD_RESOURCES = ["r:x/*", "r:**", "r:x/../1", "r:x/./1", "r:x//1", "r:x/1/", "r:x/%31", "*", "r:x/1?a", ""];
const RESOURCE_PATTERNS = [...RESOURCES, "r:x/*", "r:*/1", "r:**", "r:x/**", "**", "q:**"];
const SERVED = ["r:**", "q:**", "**", "r:x/**", "r:*/1"];
const TTLS = [1, 30, 60, 120, 300, 600, 900, 1000, 3600];

const some = <T>(values: readonly T[]) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 });
const maybe = <T>(arb: fc.Arbitrary<T>, presentOneIn: number) =>
  fc.oneof({ arbitrary: arb, weight: 1 }, { arbitrary: fc.constant(undefined), weight: presentOneIn - 1 });

const grantArb = fc
  .record({
    scopes: some(SCOPE_PATTERNS),
    resources: some(RESOURCE_PATTERNS),
    max_ttl: maybe(fc.constantFrom(30, 60, 300, 900, 3600), 2),
    ttl: maybe(fc.constantFrom(...TTLS), 3),
    max_uses: maybe(fc.integer({ min: 1, max: 5 }), 3),
    approval: maybe(fc.constant({ approvers: ["group:leads"], count: 1 }), 6),
    requires_user: maybe(fc.constant(true), 5),
  })
  .filter((g) => g.ttl === undefined || g.ttl <= (g.max_ttl ?? DEFAULT_MAX_TTL_SECONDS));

const scenarioArb = fc.record({
  agentEnvironment: fc.constantFrom(...ENVIRONMENTS),
  roles: fc.array(
    fc.record({
      grants: fc.array(grantArb, { maxLength: 4 }),
      deny: fc.array(fc.record({ scopes: some(SCOPE_PATTERNS), resources: some(RESOURCE_PATTERNS) }), { maxLength: 1 }),
    }),
    {
      minLength: 1,
      maxLength: 2,
    },
  ),
  servers: fc.array(fc.record({ environment: fc.constantFrom(...ENVIRONMENTS), resources: some(SERVED) }), { minLength: 1, maxLength: 3 }),
  request: fc.record({
    scopes: fc.uniqueArray(fc.oneof({ arbitrary: fc.constantFrom(...SCOPES), weight: 6 }, { arbitrary: fc.constantFrom(...BAD_SCOPES), weight: 1 }), {
      maxLength: 3,
    }),
    resource: fc.oneof({ arbitrary: fc.constantFrom(...RESOURCES), weight: 4 }, { arbitrary: fc.constantFrom(...BAD_RESOURCES), weight: 1 }),
    ttl: maybe(fc.constantFrom(...TTLS), 2),
  }),
  user: maybe(fc.uniqueArray(fc.constantFrom(...SCOPES), { maxLength: 4 }), 2),
});

function bundleText(s: typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never): string {
  const auth = { method: "private_key_jwt", jwks: { keys: [PUBLIC_KEY] } };
  return JSON.stringify({
    environments: [...ENVIRONMENTS],
    resource_servers: Object.fromEntries(
      s.servers.map((rs, i) => [`rs-${i}`, { environment: rs.environment, audience: `https://rs-${i}.example.com`, resources: rs.resources, auth }]),
    ),
    roles: Object.fromEntries(s.roles.map((role, i) => [`role-${i}`, role])),
    agents: { agent: { environment: s.agentEnvironment, roles: s.roles.map((_, i) => `role-${i}`), auth } },
  });
}

interface Verdict {
  outcome: string;
  reason?: string;
  rule?: string;
}

/** What Locksmith answers: the credential use case, on memory stores, for an authenticated agent. */
async function serverVerdict(
  policy: Policy,
  agent: string,
  request: { scopes: string[]; resource: string; ttl?: number },
  user?: readonly string[],
): Promise<Verdict> {
  const world = await memoryWorld({ policy });
  try {
    const held = new Set(user ?? []);
    const issue: IssueRequest = {
      ...request,
      ...(user ? { person: { user: "the-user", identityProvider: "corp", entitlements: { covers: (scope: string) => held.has(scope) } } } : {}),
    };
    const outcome = await issueCredential(world.services, policy.principals.get(agent)!, issue, CALL);
    if ("kind" in outcome && outcome.kind === "denied") return { outcome: "deny", reason: outcome.reason, rule: outcome.rule };
    if ("kind" in outcome && outcome.kind === "pending_approval") return { outcome: "pending_approval" };
    return { outcome: "allow" };
  } catch (error) {
    if (error instanceof LocksmithError && error.code === "invalid_request") return { outcome: "deny", reason: "invalid_request" };
    throw error;
  } finally {
    await world.close();
  }
}

function explainVerdict(policy: Policy, agent: string, request: { scopes: string[]; resource: string; ttl?: number }, user?: readonly string[]): Verdict {
  const { decision } = explainRequest(policy, agent, request, user);
  return decision.outcome === "deny" ? { outcome: "deny", reason: decision.reason, rule: decision.rule } : { outcome: decision.outcome };
}

describe("policy explain agrees with the server (property)", () => {
  it("on generated bundles and requests: same verdict, reason and rule", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const policy = parsePolicy(bundleText(s), "random.yaml");
        expect(explainVerdict(policy, "agent", s.request, s.user)).toEqual(await serverVerdict(policy, "agent", s.request, s.user));
      }),
      { numRuns: 300 },
    );
  });

  it("on the company bundle, for each of its agents", async () => {
    const policy = await loadPolicyFile("examples/company-policy.yaml");
    const agents = [...policy.agents.keys()];
    const scopes = ["crm:read", "crm:refund", "crm:note", "crm:delete", "billing:read", "billing:void", "infra:deploy", "infra:read", "crm:*"];
    const resources = [
      "crm:customers/42",
      "crm:orders/7",
      "crm:customers/42/notes",
      "billing:invoices/9",
      "infra:staging/app",
      "crm:customers/*",
      "crm:customers/**",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...agents),
        fc.record({
          scopes: fc.uniqueArray(fc.constantFrom(...scopes), { minLength: 1, maxLength: 2 }),
          resource: fc.constantFrom(...resources),
          ttl: maybe(fc.constantFrom(...TTLS), 2),
        }),
        maybe(fc.uniqueArray(fc.constantFrom(...scopes), { maxLength: 3 }), 3),
        async (agent, request, user) => {
          expect(explainVerdict(policy, agent, request, user)).toEqual(await serverVerdict(policy, agent, request, user));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("policy explain, named cases", () => {
  let policy: Policy;
  beforeAll(async () => {
    policy = await loadPolicyFile("examples/company-policy.yaml");
  });

  test("a wildcard resource the server refuses is refused by explain too", async () => {
    const request = { scopes: ["crm:read"], resource: "crm:customers/*" };
    expect(explainVerdict(policy, "support-agent", request)).toEqual({ outcome: "deny", reason: "invalid_request", rule: undefined });
    expect(await serverVerdict(policy, "support-agent", request)).toEqual({ outcome: "deny", reason: "invalid_request" });
  });

  test("an unknown agent is refused, not decided", () => {
    expect(explainRequest(policy, "nobody", { scopes: ["crm:read"], resource: "crm:customers/42" }).decision).toMatchObject({
      outcome: "deny",
      reason: "unknown_agent",
    });
  });

  test("an allow shows the role, the grant's index and the scope and resource patterns that matched", () => {
    const e = explainRequest(policy, "support-agent", { scopes: ["crm:read"], resource: "crm:customers/42" });
    expect(e.decision.outcome).toBe("allow");
    expect(e.matched).toEqual([
      {
        scope: "crm:read",
        rule: "roles.customer-service-tier-1.grants[0]",
        role: "customer-service-tier-1",
        kind: "grant",
        index: 0,
        scope_pattern: "crm:read",
        resource_pattern: "crm:customers/*",
      },
    ]);
    expect(e.chain).toContain(
      'crm:read: first covering grant roles.customer-service-tier-1.grants[0], role customer-service-tier-1 grants[0]: scope "crm:read" matches crm:read, resource "crm:customers/*" matches crm:customers/42 (max_ttl 300s)',
    );
  });

  test("a deny that wins shows its patterns", () => {
    const e = explainRequest(policy, "support-agent", { scopes: ["crm:delete"], resource: "crm:customers/42" });
    expect(e.decision).toMatchObject({ outcome: "deny", reason: "explicit_deny", rule: "roles.customer-service-tier-1.deny[0]" });
    expect(e.matched).toEqual([
      {
        scope: "crm:delete",
        rule: "roles.customer-service-tier-1.deny[0]",
        role: "customer-service-tier-1",
        kind: "deny",
        index: 0,
        scope_pattern: "*:delete",
        resource_pattern: "**",
      },
    ]);
  });

  test("acting for a user who lacks the scope: user_lacks_scope, the one name the server uses", async () => {
    const request = { scopes: ["crm:read"], resource: "crm:customers/42" };
    expect(explainVerdict(policy, "support-agent", request, ["crm:note"])).toEqual({ outcome: "deny", reason: "user_lacks_scope", rule: undefined });
    expect(await serverVerdict(policy, "support-agent", request, ["crm:note"])).toEqual({ outcome: "deny", reason: "user_lacks_scope", rule: undefined });
  });
});
