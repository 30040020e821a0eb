import request from "supertest";
import { LocksmithApi, expectError } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor } from "../support/principals";
import { keysPerNode, startPrivateRedisCluster, type PrivateRedisCluster } from "../support/private-redis-cluster";

// Locksmith on a Redis Cluster (three masters of our own, never the shared Redis): each credential's
// keys share one slot (`cred:{<jti>}`), so every Lua script runs on one node, and the guarantees hold
// while credentials spread over all nodes.

let cluster: PrivateRedisCluster;
let first: LocksmithUnderTest;
let second: LocksmithUnderTest;
let a: LocksmithApi;
let b: LocksmithApi;
beforeAll(async () => {
  cluster = await startPrivateRedisCluster(3);
  const [seed, ...others] = cluster.ports;
  const settings = { REDIS_URL: `redis://127.0.0.1:${seed}`, LOCKSMITH_REDIS_MODE: "cluster", REDIS_NODES: others.map((p) => `127.0.0.1:${p}`).join(",") };
  first = await startLocksmith({ settings });
  second = await startLocksmith({ replicaOf: first, settings });
  a = new LocksmithApi(first);
  b = new LocksmithApi(second);
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
  await cluster?.stop();
});

test("is ready on the cluster and says so", async () => {
  const res = await request(a.app).get("/readyz");
  expect(res.body).toMatchObject({ status: "ready", checks: { redis: "ok" } });
  expect(first.locksmith.stores).toMatch(/^Redis \(cluster\)/);
});

test("credentials spread over every node, and each spends its uses exactly once across replicas", async () => {
  const issued = await Promise.all(Array.from({ length: 30 }, () => a.issued("support-agent", { scope: "crm:note", resource: "crm:customers/3/notes" })));
  expect((await keysPerNode(cluster)).every((count) => count > 0)).toBe(true);

  const credential = issued[0].credential;
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).redeem("crm-prod", { credential })));
  expect(answers.filter((res) => res.body.active === true)).toHaveLength(3);
});

test("revocation and replay protection hold on the cluster", async () => {
  const issued = await b.issued("support-agent", { scope: "crm:read", resource: "crm:customers/8" });
  expect((await a.revoke("support-agent", issued.jti)).status).toBe(204);
  expect((await b.redeem("crm-prod", { credential: issued.credential })).body).toEqual({ active: false });

  const assertion = await assertionFor("support-agent", TEST_ISSUER);
  const body = { scope: "crm:read", resource: "crm:customers/8" };
  expect((await request(a.app).post("/v1/credentials").set("authorization", `Bearer ${assertion}`).send(body)).status).toBe(201);
  expectError(await request(b.app).post("/v1/credentials").set("authorization", `Bearer ${assertion}`).send(body), 401, "invalid_client");
});

test("revocation by environment and by agent finds every credential on the cluster (indexes in their subject's slot)", async () => {
  const send = async (body: object) =>
    request(a.app)
      .post("/v1/revocations")
      .set(await a.headers("security-oncall"))
      .send(body);
  const staging = await Promise.all(Array.from({ length: 5 }, () => b.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" })));
  const production = await a.issued("support-agent", { scope: "crm:read", resource: "crm:customers/9" });

  expect((await send({ environment: "staging" })).body).toEqual({ revoked: 5 });
  for (const issued of staging) expect((await b.redeem("crm-staging", { credential: issued.credential })).body).toEqual({ active: false });
  expect((await a.redeem("crm-prod", { credential: production.credential })).body.active).toBe(true);

  const support = await b.issued("support-agent", { scope: "crm:read", resource: "crm:customers/10" });
  expect((await send({ agent: "support-agent" })).body.revoked).toBeGreaterThanOrEqual(2);
  expect((await a.redeem("crm-prod", { credential: support.credential })).body).toEqual({ active: false });
});
