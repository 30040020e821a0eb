import { resolve } from "node:path";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

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
