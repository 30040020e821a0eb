import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import request from "supertest";
import { systemClock } from "../../src/domain/clock";
import { KeyRing } from "../../src/domain/keys/key-ring";
import { loadPolicyFile } from "../../src/domain/policy/load-policy";
import { createHttpApp } from "../../src/http/create-http-app";
import { generateKeys, loadKeysFile, writeKeysFile } from "../../src/stores/keys/keys-file";
import { MemoryAuditLog } from "../../src/stores/memory/memory-audit-log";
import { MemoryReplayGuard } from "../../src/stores/memory/memory-replay-guard";
import { MemoryTokenStore } from "../../src/stores/memory/memory-token-store";
import { createLogger } from "../../src/telemetry/logger";
import { memoryWorld } from "../support/memory-services";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi, requestIdOf, sleep } from "../support/locksmith-api";
import { assertionFor, EXAMPLE_POLICY } from "../support/principals";
import { credentialEntry, credentialKeys } from "../support/redis-inspection";
import { findEvents } from "../support/find-events";

// Fail closed: when the ledger cannot take the write nothing is handed out (503); a fault is a bare 500.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let db: Client;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
  db = new Client({ connectionString: sut.database.url });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await sut.close();
});

/** Runs `work` while the ledger table is out of reach (renamed away), and puts it back whatever happens. */
async function withLedgerDown<T>(work: () => Promise<T>): Promise<T> {
  await db.query("ALTER TABLE audit_events RENAME TO audit_events_away");
  try {
    return await work();
  } finally {
    await db.query("ALTER TABLE audit_events_away RENAME TO audit_events");
  }
}

describe("the ledger cannot take the write", () => {
  test("an allowed request is 503 temporarily_unavailable: no credential in the answer and none left in Redis", async () => {
    const before = await credentialKeys(sut.redisPrefix);

    const res = await withLedgerDown(() => api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }));

    expectError(res, 503, "temporarily_unavailable");
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.text).not.toMatch(/eyJ/);
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
    expect(await api.ledger({ requestId: requestIdOf(res) })).toEqual([]);
  });

  test("a denial is not answered 403 until its row is written: 503 instead", async () => {
    const res = await withLedgerDown(() => api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" }));

    expectError(res, 503, "temporarily_unavailable");
  });

  test("a redemption is not active without its row; the 503 says nothing of the credential", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });

    const res = await withLedgerDown(() => api.redeem("crm-prod", { credential: issued.credential }));

    expectError(res, 503, "temporarily_unavailable");
    expect(res.body.active).toBeUndefined();
  });

  test("the refusal is logged as a warning with its req_id and without the store's message details leaking to the caller", async () => {
    const res = await withLedgerDown(() => api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }));

    expect(res.body.error_description).not.toMatch(/audit_events|relation|prisma/i);
    let warning: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 50 && !warning; attempt++) {
      warning = sut.logs.map((line) => JSON.parse(line)).find((record) => record.level === 40 && record.req_id === requestIdOf(res));
      if (!warning) await sleep(10);
    }
    expect(warning).toMatchObject({ msg: "store unavailable: refused" });
  });

  test("once the ledger is back, issuance works again", async () => {
    await withLedgerDown(() => api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }));

    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    expect(await credentialEntry(sut.redisPrefix, issued.jti)).toBeDefined();
  });
});

describe("a fault inside the service", () => {
  test("is 500 server_error in the error shape, logged with its req_id, with no stack and nothing issued", async () => {
    // A key ring missing the staging key: buildLocksmith refuses to start like this, so compose the app by hand.
    const keysFile = join(mkdtempSync(join(tmpdir(), "locksmith-keys-")), "keys.json");
    await writeKeysFile(keysFile, await generateKeys(["production"]));
    const logs: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void logs.push(line) });
    const tokens = new MemoryTokenStore(systemClock);
    const replay = new MemoryReplayGuard(systemClock);
    const audit = new MemoryAuditLog();
    const policy = await loadPolicyFile(EXAMPLE_POLICY);
    const world = await memoryWorld({ policy, clock: systemClock });
    const app = createHttpApp({
      services: { ...world.services, issuer: TEST_ISSUER, keys: new KeyRing(await loadKeysFile(keysFile)), tokens, audit },
      approvals: world.services,
      replay,
      logger,
      readiness: {},
    });
    try {
      const res = await request(app)
        .post("/v1/credentials")
        .set("authorization", `Bearer ${await assertionFor("staging-deploy-agent", TEST_ISSUER)}`)
        .send({ scope: "infra:deploy", resource: "infra:staging/web" });

      expectError(res, 500, "server_error");
      expect(await findEvents(audit, { type: "issued" })).toEqual([]);
      await sleep(20);
      const records = logs.map((line) => JSON.parse(line));
      expect(records.find((record) => record.level === 50 && record.req_id === requestIdOf(res))).toBeDefined();
    } finally {
      tokens.close();
      replay.close();
      await world.close();
    }
  });
});
