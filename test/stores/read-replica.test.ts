import { Client } from "pg";
import request from "supertest";
import { LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { createTestDatabase, type TestDatabase } from "../support/services";
import { findEvents } from "../support/find-events";

// DATABASE_READ_URL: appends go to the primary, audit queries to the read replica. A second database
// stands in for the replica here, so a query that reached the primary would be visible as a difference.

let replica: TestDatabase;
let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  replica = await createTestDatabase();
  sut = await startLocksmith({ settings: { DATABASE_READ_URL: replica.url } });
  api = new LocksmithApi(sut);
});
afterAll(async () => {
  await sut.close();
  await replica.drop();
});

const countRows = async (url: string, jti: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("SELECT count(*)::int AS n FROM audit_events WHERE jti = $1", [jti]);
  await client.end();
  return rows[0].n as number;
};

test("an issuance is appended to the primary, and audit queries read the replica", async () => {
  const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });

  expect(await countRows(sut.database.url, issued.jti)).toBe(1);
  expect(await countRows(replica.url, issued.jti)).toBe(0);
  expect(await findEvents(sut.locksmith.ledger, { jti: issued.jti })).toEqual([]);
  expect(sut.locksmith.stores).toMatch(/with a read replica for audit queries/);
});

test("readiness checks the replica as well as the primary", async () => {
  expect((await request(api.app).get("/readyz")).body).toMatchObject({ status: "ready", checks: { postgres: "ok" } });
});
