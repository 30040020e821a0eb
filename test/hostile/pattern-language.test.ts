import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import request from "supertest";
import { expectError, LocksmithApi, requestIdOf, type Response } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "../support/principals";

// Hostile input to the pattern language (issue 18, items 2, 7, 8 and 14): patterns that backtracked,
// resource aliases that side-stepped a deny rule, delete scopes that `*:delete` missed, and role
// names that crashed the policy compiler. Every request goes through both doors:
// POST /v1/credentials and POST /oauth/token.

const FIXTURE = resolve(__dirname, "..", "fixtures", "hostile-patterns.policy.yaml");

let dir: string;
let policyFile: string;
let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-patterns-"));
  policyFile = join(dir, "policy.yaml");
  copyFileSync(FIXTURE, policyFile);
  sut = await startLocksmith({ policyFile });
  api = new LocksmithApi(sut);
});
afterAll(async () => {
  await sut?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function token(agent: ExamplePrincipal, scope: string, resource: string): Promise<Response> {
  const assertion = await assertionFor(agent, TEST_ISSUER);
  return request(sut.locksmith.http).post("/oauth/token").type("form").send({
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    scope,
    resource,
  });
}

/** A refused request leaves nothing behind: no ledger row, so no approval, no credential, no breaker count. */
async function expectNothingRecorded(res: Response): Promise<void> {
  expect(await api.ledger({ requestId: requestIdOf(res) })).toEqual([]);
}

describe("a pattern never backtracks (issue 18 #2: `logs:*.*.*.*` and a 500-character resource)", () => {
  // With the old regex these took ~18 s each (4 stars) or forever (10 stars), blocking every request.
  const NEAR_MISS = `logs:${".".repeat(490)}/x`; // every dot a candidate, then `/` fails the match
  const HIT = `logs:${"a.".repeat(245)}a`; // 496 characters, served by logs-prod

  test("200 near-miss and matching requests of ~500 characters are all answered, each correctly", async () => {
    expect(NEAR_MISS.length).toBeLessThanOrEqual(512);
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.issue("staging-deploy-agent", { scope: "logs:read", resource: i % 2 === 0 ? NEAR_MISS : HIT })),
      );
      for (const [i, res] of answers.entries()) expectError(res, 403, "permission_denied", { reason: i % 2 === 0 ? "no_resource_server" : "environment_wall" });
    }
  });

  test("the same resources through /oauth/token, and an allowed one is issued", async () => {
    expectError(await token("support-agent", "logs:read", NEAR_MISS), 400, "invalid_target");
    expectError(await token("staging-deploy-agent", "logs:read", HIT), 400, "invalid_target");
    expect((await token("support-agent", "logs:read", "logs:a.b.c.d")).status).toBe(200);
    // `*` may hold dots but stays within a path segment.
    expect((await api.issue("support-agent", { scope: "logs:read", resource: HIT })).status).toBe(201);
    expectError(await api.issue("support-agent", { scope: "logs:read", resource: "logs:a.b.c/d" }), 403, "permission_denied", { reason: "no_resource_server" });
  });

  test("a resource over 512 characters or a scope over 128 is refused with 400 before any pattern runs, and records nothing", async () => {
    const long = await api.issue("staging-deploy-agent", { scope: "logs:read", resource: `logs:${"a.".repeat(254)}a` });
    expectError(long, 400, "invalid_request");
    await expectNothingRecorded(long);
    const longScope = await api.issue("support-agent", { scope: `logs:${"r".repeat(124)}`, resource: "logs:a.b.c.d" });
    expectError(longScope, 400, "invalid_request");
    expectError(await token("support-agent", "logs:read", `logs:${"a.".repeat(254)}a`), 400, "invalid_target");
  });
});

describe("one string, one resource (issue 18 #8: aliases of a denied resource)", () => {
  const DENIED = "reports:public/secret/payroll";

  test("the canonical resource is denied by the deny rule, and a neighbour is allowed", async () => {
    expectError(await api.issue("support-agent", { scope: "reports:read", resource: DENIED }), 403, "permission_denied", {
      reason: "explicit_deny",
      rule: "roles.reader.deny[0]",
    });
    expect((await api.issue("support-agent", { scope: "reports:read", resource: "reports:public/summary" })).status).toBe(201);
    // Dots inside a segment are ordinary characters: only a whole `.` or `..` segment is refused.
    expect((await api.issue("support-agent", { scope: "reports:read", resource: "reports:public/v1.2/..x" })).status).toBe(201);
  });

  test.each([
    ["a `..` segment", "reports:public/x/../secret/payroll"],
    ["a `.` segment", "reports:public/./secret/payroll"],
    ["a leading `.` segment after the colon", "reports:./public/secret/payroll"],
    ["an empty segment", "reports:public//secret/payroll"],
    ["a trailing slash", "reports:public/secret/payroll/"],
    ["a slash right after the colon", "reports:/public/secret/payroll"],
    ["percent-encoding", "reports:public/%73ecret/payroll"],
    ["a backslash", "reports:public\\secret/payroll"],
    ["a `..;` segment (matrix parameters)", "reports:public/secret/..;/secret/payroll"],
    ["a query", "reports:public/secret/payroll?x=1"],
    ["a fragment", "reports:public/secret/payroll#x"],
    ["a NUL byte", "reports:public/secret\u0000/payroll"],
    ["a tab", "reports:public/secret\t/payroll"],
    ["a non-ASCII letter", "reports:public/sécret/payroll"],
  ])("%s is refused with 400 on both doors, and records nothing", async (_name, alias) => {
    const res = await api.issue("support-agent", { scope: "reports:read", resource: alias });
    expectError(res, 400, "invalid_request");
    expect(res.body.error_description).toMatch(/^resource: /);
    await expectNothingRecorded(res);
    expectError(await token("support-agent", "reports:read", alias), 400, "invalid_target");
  });

  test("a resource server may not redeem against an alias either", async () => {
    const issued = await api.issued("support-agent", { scope: "reports:read", resource: "reports:public/summary" });
    const res = await api.redeem("infra-prod", { credential: issued.credential, resource: "reports:public/./summary" });
    expectError(res, 400, "invalid_request");
  });
});

describe("`*:delete` is every delete scope (issue 18 #7: scopes holding `/`)", () => {
  test("a scope is one `<namespace>:<action>`: none, two colons or an empty side is refused with 400 on both doors", async () => {
    for (const scope of ["filesdelete", "files:objects:delete", ":delete", "files/objects:"]) {
      const res = await api.issue("support-agent", { scope, resource: "files:a/b" });
      expectError(res, 400, "invalid_request");
      await expectNothingRecorded(res);
      expectError(await token("support-agent", scope, "files:a/b"), 400, "invalid_scope");
    }
  });

  test("`files/objects:read` is granted by `files/*:read`, and `files/objects:delete` is denied by `*:delete` on both doors", async () => {
    expect((await api.issue("support-agent", { scope: "files/objects:read", resource: "files:a/b" })).status).toBe(201);
    expectError(await api.issue("support-agent", { scope: "files/objects:delete", resource: "files:a/b" }), 403, "permission_denied", {
      reason: "explicit_deny",
      rule: "roles.reader.deny[1]",
    });
    expectError(await token("support-agent", "files/objects:delete", "files:a/b"), 400, "invalid_scope");
  });

  test("the circuit breaker's `*:delete` counts them: the third delete request suspends the agent", async () => {
    const res = await api.issue("support-agent", { scope: "files/objects:delete files/objects:read", resource: "files:a/b" });
    expectError(res, 403, "permission_denied", { reason: "agent_suspended" });
    const [trip] = await api.ledger({ agent: "support-agent", type: "circuit_breaker_tripped" });
    expect(trip).toMatchObject({ reason: "destructive_requests" });
  });
});

describe("role names are names (issue 18 #14)", () => {
  test.each(["constructor", "toString"])(
    "a bundle whose agent names an undefined role %s is refused on reload with a located error, and the old one keeps serving",
    async (role) => {
      const before = sut.locksmith.policySource.current().version;
      writeFileSync(policyFile, readFileSync(FIXTURE, "utf8").replace("    roles: []", `    roles: [${role}]`));
      const res = await request(api.app)
        .post("/v1/admin/policy/reload")
        .set(await api.headers("security-oncall"));
      expectError(res, 400, "invalid_request");
      expect(res.body.error_description).toMatch(new RegExp(`policy\\.yaml:\\d+ agents\\.staging-deploy-agent\\.roles\\[0\\]: unknown role "${role}"`));
      expect(sut.locksmith.policySource.current().version).toBe(before);
    },
  );
});
