import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import request from "supertest";
import { expectError, LocksmithApi, type Response } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor } from "../support/principals";

// rate_limits of the bundle (5 per agent, 8 per environment, per minute) hold across two replicas sharing one Redis.

const POLICY = resolve(__dirname, "..", "fixtures", "rate-limited.policy.yaml");

let first: LocksmithUnderTest;
let second: LocksmithUnderTest;
beforeAll(async () => {
  first = await startLocksmith({ policyFile: POLICY });
  second = await startLocksmith({ policyFile: POLICY, replicaOf: first });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

test("an agent's 6th request in the window is 429 with Retry-After, whichever replica answers; other environments' agents are unaffected", async () => {
  const replicas = [new LocksmithApi(first), new LocksmithApi(second)];
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await replicas[i % 2].issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" })).status);
  expect(statuses).toEqual([201, 201, 201, 201, 201]);

  const refused = await replicas[1].issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
  expectError(refused, 429, "too_many_requests");
  expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
  expectError(await replicas[0].issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }), 429, "too_many_requests");

  expect((await replicas[0].issue("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" })).status).toBe(201);
});

test("a refused request is not recorded as an issuance", async () => {
  const api = new LocksmithApi(first);
  const issued = await api.ledger({ agent: "support-agent", type: "issued" });
  expect(issued).toHaveLength(5);
});

// Issue 18, item 3: every endpoint that can mint, open an approval or revoke counts against the same limits.
test("an agent at 429 on /v1/credentials also gets 429 on /oauth/token (both grants), DELETE, /oauth/revoke and collecting an approval", async () => {
  const api = new LocksmithApi(first);
  expectError(await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }), 429, "too_many_requests");
  const form = async (path: string, params: Record<string, string>) =>
    request(api.app)
      .post(path)
      .type("form")
      .send({
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: await assertionFor("support-agent", TEST_ISSUER),
        ...params,
      });
  const calls: [string, () => Promise<Response>][] = [
    ["client_credentials", () => form("/oauth/token", { grant_type: "client_credentials", scope: "crm:read", resource: "crm:customers/42" })],
    [
      "token exchange",
      () =>
        form("/oauth/token", {
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          scope: "crm:read",
          resource: "crm:customers/42",
          subject_token: "x.y.z",
          subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        }),
    ],
    ["DELETE", () => api.revoke("support-agent", randomUUID())],
    ["/oauth/revoke", () => form("/oauth/revoke", { token: "x.y.z" })],
    [
      "collect",
      async () =>
        request(api.app)
          .get(`/v1/credentials/requests/${randomUUID()}`)
          .set(await api.headers("support-agent")),
    ],
  ];
  for (const [name, call] of calls) {
    const res = await call();
    expect({ name, status: res.status }).toEqual({ name, status: 429 });
    expectError(res, 429, "too_many_requests");
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  }
  expect(await api.ledger({ agent: "support-agent", type: "issued" })).toHaveLength(5);
});

test("admins are not rate limited: incident response never waits", async () => {
  const api = new LocksmithApi(first);
  for (let i = 0; i < 8; i++) expect((await api.revoke("security-oncall", randomUUID())).status).toBe(204);
});
