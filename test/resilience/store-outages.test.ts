import { Redis } from "ioredis";
import { Client } from "pg";
import request from "supertest";
import { expectError, LocksmithApi, requestIdOf, sleep, type Response } from "../support/locksmith-api";
import type { LocksmithUnderTest } from "../support/locksmith-under-test";
import { startLocksmithOnPrivateStores, type LocksmithOnPrivateStores } from "../support/locksmith-on-private-stores";
import { startPrivateRedis } from "../support/private-stores";

// Store outages on private Redis/PostgreSQL servers that this file kills, pauses (SIGSTOP) and restarts.
// During an outage: no credential issued or redeemed (503 + Retry-After), nothing half-written, readiness red.
// After: service resumes by itself, with no restart of Locksmith.

jest.setTimeout(60_000);

let sut: LocksmithOnPrivateStores;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmithOnPrivateStores();
  api = new LocksmithApi(sut as unknown as LocksmithUnderTest);
});
afterAll(async () => {
  await sut?.close();
});

const READ = { scope: "crm:read", resource: "crm:customers/42" };
/** How long a restarted store may take before Locksmith serves again: a liveness bound, not a benchmark. */
const RESUME_BOUND_MS = 5_000;

/** Fails closed: 503 temporarily_unavailable with Retry-After, and no credential anywhere in the answer. */
function expectRefused(res: Response): void {
  expectError(res, 503, "temporarily_unavailable");
  expect(res.headers["retry-after"]).toBe("1");
  expect(res.text).not.toMatch(/eyJ/);
}

async function readiness(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(sut.locksmith.http).get("/readyz");
  return { status: res.status, body: res.body };
}

/** Issues until it succeeds or the bound passes; returns the first 201. */
async function issueOnceBack(): Promise<Response> {
  const deadline = Date.now() + RESUME_BOUND_MS;
  for (;;) {
    const res = await api.issue("support-agent", READ);
    if (res.status === 201 || Date.now() > deadline) return res;
    expectRefused(res);
    await sleep(50);
  }
}

async function ledgerRowsOf(res: Response): Promise<unknown[]> {
  const db = new Client({ connectionString: sut.postgres.url });
  await db.connect();
  try {
    return (await db.query("SELECT type FROM audit_events WHERE request_id = $1", [requestIdOf(res)])).rows;
  } finally {
    await db.end();
  }
}

describe("Redis down", () => {
  test("issuance, redemption and revocation are 503, readiness is red, no ledger row claims an issuance, and service resumes when Redis is back", async () => {
    const live = await api.issued("support-agent", READ);
    await sut.redis.kill();
    try {
      const issued = await api.issue("support-agent", READ);
      expectRefused(issued);
      expectRefused(await api.redeem("crm-prod", { credential: live.credential }));
      expectRefused(await api.revoke("support-agent", live.jti));
      expect(await readiness()).toMatchObject({ status: 503, body: { checks: { redis: "unavailable", postgres: "ok" } } });
      expect(await ledgerRowsOf(issued)).toEqual([]);
    } finally {
      await sut.redis.start();
    }

    expect((await issueOnceBack()).status).toBe(201);
    expect(await readiness()).toMatchObject({ status: 200 });
    // Redis came back empty: the credential issued before the outage has lost its live state and is refused (fail closed).
    expect((await api.redeem("crm-prod", { credential: live.credential })).body).toEqual({ active: false });
  });
});

describe("Redis paused (SIGSTOP: connected but silent)", () => {
  test("requests end in 503 within the command time-out instead of hanging, and service resumes on SIGCONT", async () => {
    sut.redis.pause();
    try {
      const res = await api.issue("support-agent", READ);
      expectRefused(res);
      expect((await readiness()).status).toBe(503);
    } finally {
      sut.redis.resume();
    }
    expect((await issueOnceBack()).status).toBe(201);
  });
});

describe("Redis full (noeviction at maxmemory)", () => {
  test("writes are refused with 503 and nothing is issued; service resumes when memory is available", async () => {
    const admin = new Redis(sut.redis.url);
    try {
      await admin.config("SET", "maxmemory", "1");
      const res = await api.issue("support-agent", READ);
      expectRefused(res);
      expect(await ledgerRowsOf(res)).toEqual([]);
    } finally {
      await admin.config("SET", "maxmemory", "0");
      admin.disconnect();
    }
    expect((await issueOnceBack()).status).toBe(201);
  });
});

describe("PostgreSQL down", () => {
  test("issuance and denials are 503, no credential state is left in Redis, readiness is red, and service resumes when PostgreSQL is back", async () => {
    const before = await sut.credentialKeys();
    await sut.postgres.kill();
    try {
      expectRefused(await api.issue("support-agent", READ));
      expectRefused(await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" }));
      expect(await sut.credentialKeys()).toEqual(before);
      expect(await readiness()).toMatchObject({ status: 503, body: { checks: { redis: "ok", postgres: "unavailable" } } });
    } finally {
      await sut.postgres.start();
    }
    const back = await issueOnceBack();
    expect(back.status).toBe(201);
    expect(await ledgerRowsOf(back)).toEqual([{ type: "issued" }]);
  });

  test("a redemption is 503, never active, while the ledger cannot record it", async () => {
    const live = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    await sut.postgres.kill();
    try {
      const res = await api.redeem("crm-prod", { credential: live.credential });
      expectRefused(res);
      expect(res.body.active).toBeUndefined();
    } finally {
      await sut.postgres.start();
    }
    expect((await issueOnceBack()).status).toBe(201);
  });
});

describe("PostgreSQL paused (SIGSTOP)", () => {
  test("issuance ends in 503 within the query time-out, leaves no credential state in Redis, and resumes on SIGCONT", async () => {
    const before = await sut.credentialKeys();
    sut.postgres.pause();
    try {
      expectRefused(await api.issue("support-agent", READ));
      expect(await sut.credentialKeys()).toEqual(before);
    } finally {
      sut.postgres.resume();
    }
    expect((await issueOnceBack()).status).toBe(201);
  });
});

describe("PostgreSQL refusing writes (read-only)", () => {
  test("issuance is 503 with no credential state left in Redis; writes allowed again → issuance resumes", async () => {
    const db = new Client({ connectionString: sut.postgres.url });
    await db.connect();
    const before = await sut.credentialKeys();
    try {
      await db.query("ALTER SYSTEM SET default_transaction_read_only = on");
      await db.query("SELECT pg_reload_conf()");
      await sleep(200);
      const res = await api.issue("support-agent", READ);
      expectRefused(res);
      expect(await sut.credentialKeys()).toEqual(before);
    } finally {
      await db.query("SET default_transaction_read_only = off");
      await db.query("ALTER SYSTEM RESET default_transaction_read_only");
      await db.query("SELECT pg_reload_conf()");
      await db.end();
    }
    expect((await issueOnceBack()).status).toBe(201);
  });
});

describe("start-up against a Redis that may evict keys", () => {
  test("production start-up refuses it, naming maxmemory-policy noeviction", async () => {
    const evicting = await startPrivateRedis({ maxmemoryPolicy: "allkeys-lru" });
    try {
      await expect(startLocksmithOnPrivateStores({ redis: evicting, postgres: sut.postgres })).rejects.toThrow(
        /REDIS_URL: Redis evicts keys under memory pressure \(maxmemory-policy allkeys-lru\): set maxmemory-policy noeviction/,
      );
    } finally {
      await evicting.stop();
    }
  });
});
