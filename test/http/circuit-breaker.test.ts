import { resolve } from "node:path";
import request from "supertest";
import { expectError, LocksmithApi, sleep } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// The fixture's circuit_breaker: per agent and minute, the 5th denial or the 3rd request for a
// destructive scope (`*:delete`, `infra:deploy`) suspends the agent. Two replicas share one Redis.

const POLICY = resolve(__dirname, "..", "fixtures", "circuit-breaker.policy.yaml");
const READ = { scope: "crm:read", resource: "crm:customers/42" };
const NO_GRANT = { scope: "crm:write", resource: "crm:customers/42" };
const STAGING_READ_OF_PRODUCTION = { scope: "infra:read", resource: "infra:production/db" };
const STAGING_DEPLOY = { scope: "infra:deploy", resource: "infra:staging/web" };

let first: LocksmithUnderTest;
let second: LocksmithUnderTest;
let replicas: LocksmithApi[];
beforeAll(async () => {
  first = await startLocksmith({ policyFile: POLICY });
  second = await startLocksmith({ policyFile: POLICY, replicaOf: first });
  replicas = [new LocksmithApi(first), new LocksmithApi(second)];
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const tripEvents = (agent: string) => replicas[0].ledger({ agent, type: "circuit_breaker_tripped" });
const admin = async (agent: string, action: "suspend" | "resume") =>
  request(replicas[0].app)
    .post(`/v1/agents/${agent}/${action}`)
    .set(await replicas[0].headers("security-oncall"))
    .send({});

test("below both thresholds nothing trips: 4 denials and 2 destructive requests in the window, spread over both replicas", async () => {
  for (let i = 0; i < 4; i++) {
    expectError(await replicas[i % 2].issue("staging-deploy-agent", STAGING_READ_OF_PRODUCTION), 403, "permission_denied", { reason: "environment_wall" });
  }
  for (let i = 0; i < 2; i++) expect((await replicas[i % 2].issue("staging-deploy-agent", STAGING_DEPLOY)).status).toBe(201);
  expect((await replicas[1].issue("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" })).status).toBe(201);
  expect(await tripEvents("staging-deploy-agent")).toEqual([]);
});

test("the destructive request that crosses its threshold is refused and suspends the agent, even though policy allows it", async () => {
  expectError(await replicas[0].issue("staging-deploy-agent", STAGING_DEPLOY), 403, "permission_denied", { reason: "agent_suspended" });
  expectError(await replicas[1].issue("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" }), 403, "permission_denied", {
    reason: "agent_suspended",
  });
  const [event] = await tripEvents("staging-deploy-agent");
  expect(event).toMatchObject({ decision: "deny", actor: "circuit_breaker", reason: "destructive_requests", environment: "staging" });
  expect(event.detail).toMatchObject({ threshold: 2, window_seconds: 60, already_suspended: false });
  expect((await admin("staging-deploy-agent", "resume")).body).toMatchObject({ status: "active", changed: true });
});

test("a runaway loop of denials on two replicas trips the breaker: then an allowed request is denied, a live credential is dead, the ledger shows it, and an admin's resume lifts it", async () => {
  const live = await replicas[0].issued("support-agent", READ);
  expect((await replicas[1].redeem("crm-prod", { credential: live.credential })).body.active).toBe(true);

  // The denials of both replicas count together: the 5th, whichever replica answers it, trips the breaker.
  for (let i = 0; i < 5; i++) expectError(await replicas[i % 2].issue("support-agent", NO_GRANT), 403, "permission_denied", { reason: "no_grant" });

  for (const api of replicas) expectError(await api.issue("support-agent", READ), 403, "permission_denied", { reason: "agent_suspended" });
  expect((await replicas[0].redeem("crm-prod", { credential: live.credential })).body).toEqual({ active: false });

  const trips = await tripEvents("support-agent");
  expect(trips).toHaveLength(1);
  expect(trips[0]).toMatchObject({ decision: "deny", actor: "circuit_breaker", reason: "denials", environment: "production" });
  expect(trips[0].detail).toMatchObject({ threshold: 4, window_seconds: 60, suspend_for_seconds: null });

  // Security teams see it through the audit API.
  const listed = await request(replicas[1].app)
    .get("/v1/audit/events?type=circuit_breaker_tripped&agent=support-agent")
    .set(await replicas[1].headers("security-auditor"));
  expect(listed.status).toBe(200);
  expect(listed.body.events).toHaveLength(1);
  expect(listed.body.events[0]).toMatchObject({ type: "circuit_breaker_tripped", agent: "support-agent", reason: "denials" });

  // Suspended requests are not counted again: still exactly one trip.
  expectError(await replicas[1].issue("support-agent", NO_GRANT), 403, "permission_denied", { reason: "agent_suspended" });
  expect(await tripEvents("support-agent")).toHaveLength(1);

  expect((await admin("support-agent", "resume")).body).toMatchObject({ status: "active", changed: true });
  await sleep(1000 - (Date.now() % 1000) + 20); // a credential of the suspension's second counts as issued before it
  const fresh = await replicas[1].issued("support-agent", READ);
  expect((await replicas[0].redeem("crm-prod", { credential: fresh.credential })).body.active).toBe(true);
  expect((await replicas[0].redeem("crm-prod", { credential: live.credential })).body).toEqual({ active: false });
});
