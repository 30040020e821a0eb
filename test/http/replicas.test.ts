import request from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { assertionFor } from "../support/principals";

// Two replicas on one Redis, one ledger and one key file: the service keeps no state of its own.

let first: LocksmithUnderTest;
let second: LocksmithUnderTest;
let a: LocksmithApi;
let b: LocksmithApi;
beforeAll(async () => {
  first = await startLocksmith();
  second = await startLocksmith({ replicaOf: first });
  a = new LocksmithApi(first);
  b = new LocksmithApi(second);
});
afterAll(async () => {
  await second.close();
  await first.close();
});

test("a credential issued by one replica is redeemed, revoked and refused at the other", async () => {
  const issued = await a.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });

  expect((await b.redeem("crm-prod", { credential: issued.credential })).body).toMatchObject({ active: true, uses_remaining: 2 });
  expect((await a.redeem("crm-prod", { credential: issued.credential })).body).toMatchObject({ active: true, uses_remaining: 1 });
  expect((await b.revoke("support-agent", issued.jti)).status).toBe(204);
  expect((await a.redeem("crm-prod", { credential: issued.credential })).body).toEqual({ active: false });
  expect((await a.ledger({ jti: issued.jti })).map((row) => row.type)).toEqual(["issued", "redeemed", "redeemed", "revoked", "redeem_rejected"]);
});

test("an assertion accepted by one replica is a replay at the other", async () => {
  const assertion = await assertionFor("support-agent", TEST_ISSUER);
  const body = { scope: "crm:read", resource: "crm:customers/42" };

  const accepted = await request(first.locksmith.http).post("/v1/credentials").set("authorization", `Bearer ${assertion}`).send(body);
  const replayed = await request(second.locksmith.http).post("/v1/credentials").set("authorization", `Bearer ${assertion}`).send(body);

  expect(accepted.status).toBe(201);
  expectError(replayed, 401, "invalid_client");
});

test("a max_uses credential is spent once across replicas", async () => {
  const issued = await a.issued("support-agent", { scope: "crm:note", resource: "crm:customers/7/notes" });

  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).redeem("crm-prod", { credential: issued.credential })));

  expect(answers.filter((res) => res.body.active === true)).toHaveLength(3);
});
