import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { Client } from "pg";
import { migrate } from "../../src/stores/postgres/migrate";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { spawnLocksmith, type LocksmithProcess } from "../support/locksmith-process";
import { assertionFor, EXAMPLE_POLICY, type ExamplePrincipal } from "../support/principals";
import { startPrivatePostgres, startPrivateRedis, type PrivateStore } from "../support/private-stores";
import { MIGRATIONS_DIR } from "../support/services";

// A child Locksmith (node dist/main.js, production mode, private stores) under concurrent load is
// SIGKILLed at random points; every credential a client received must have its committed `issued` row
// and its live state. SIGTERM lets in-flight requests finish and exits 0.

jest.setTimeout(90_000);

const ROUNDS = 4;
const WORKERS = 8;

let redis: PrivateStore;
let postgres: PrivateStore;
let keysDir: string;
let env: Record<string, string>;
const children: LocksmithProcess[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  postgres = await startPrivatePostgres();
  await migrate(postgres.url, MIGRATIONS_DIR);
  keysDir = mkdtempSync(join(tmpdir(), "locksmith-keys-"));
  await writeKeysFile(join(keysDir, "keys.json"), await generateKeys(["staging", "production"]));
  await writeNewLedgerKey(join(keysDir, "ledger-key.json"), ledgerOrigin(TEST_ISSUER));
  env = {
    REDIS_URL: redis.url,
    DATABASE_URL: postgres.url,
    LOCKSMITH_POLICY: EXAMPLE_POLICY,
    LOCKSMITH_KEYS_FILE: join(keysDir, "keys.json"),
    LOCKSMITH_LEDGER_KEY_FILE: join(keysDir, "ledger-key.json"),
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
    LOG_LEVEL: "warn",
  };
});
afterAll(async () => {
  for (const child of children) await child.stop();
  await redis?.stop();
  await postgres?.stop();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

async function start(): Promise<LocksmithProcess> {
  const child = await spawnLocksmith({ ...env, LOG_LEVEL: "info" });
  children.push(child);
  return child;
}

async function call(url: string, path: string, as: ExamplePrincipal, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${await assertionFor(as, TEST_ISSUER)}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** WORKERS loops issuing credentials until the process is gone; returns every credential received. */
async function loadUntilDead(url: string, received: { jti: string; credential: string }[]): Promise<void> {
  const worker = async () => {
    for (;;) {
      try {
        const res = await call(url, "/v1/credentials", "support-agent", { scope: "crm:read", resource: "crm:customers/42" });
        if (res.status === 201) received.push({ jti: String(res.body.jti), credential: String(res.body.credential) });
        else throw new Error(`unexpected ${res.status} ${JSON.stringify(res.body)}`);
      } catch (error) {
        if ((error as Error).message.startsWith("unexpected")) throw error;
        return; // the connection died with the process
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
}

/** Resolves once `list` has at least `length` items; throws after `withinMs` (a machine under load must not make this hang). */
async function untilLength(list: unknown[], length: number, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (list.length < length) {
    if (Date.now() > deadline) throw new Error(`only ${list.length} of ${length} credentials within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A live view of the assertion replay markers in the private Redis (one per authenticated request), refreshed until it holds `atLeast`. */
async function replayMarkersGrowing(atLeast: number): Promise<string[]> {
  const client = new Redis(redis.url);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const keys = await client.keys("locksmith:seen:*");
      if (keys.length >= atLeast || Date.now() > deadline) return keys;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.disconnect();
  }
}

async function ledger(): Promise<{ seq: string; type: string; jti: string | null }[]> {
  const db = new Client({ connectionString: postgres.url });
  await db.connect();
  try {
    return (await db.query("SELECT seq::text AS seq, type, jti FROM audit_events ORDER BY audit_events.seq")).rows;
  } finally {
    await db.end();
  }
}

test(`SIGKILL under load ${ROUNDS} times: every credential received has its committed issued row and live state`, async () => {
  const received: { jti: string; credential: string }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const child = await start();
    const load = loadUntilDead(child.url, received);
    // A random point in the load: after 1 to 40 more credentials were handed out, plus up to 50 ms.
    await untilLength(received, received.length + 1 + Math.floor(Math.random() * 40));
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 50)));
    child.child.kill("SIGKILL");
    await load;
    expect((await child.exited).signal).toBe("SIGKILL");
  }
  expect(received.length).toBeGreaterThan(ROUNDS);

  const rows = await ledger();
  const issued = new Map(rows.filter((row) => row.type === "issued").map((row) => [row.jti, row]));
  const missing = received.filter((credential) => !issued.has(credential.jti));
  expect(missing).toEqual([]);
  // The sequence has no gaps (1..n, even across four SIGKILLs); each issued jti appears once.
  const seqs = rows.map((row) => Number(row.seq));
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  expect(issued.size).toBe(rows.filter((row) => row.type === "issued").length);
  // And the ledger verifies: every leaf and checkpoint recomputed by `locksmith audit verify`.
  const verify = await promisify(execFile)(
    process.execPath,
    [resolve(__dirname, "..", "..", "bin", "locksmith.js"), "audit", "verify", "--key-file", join(keysDir, "ledger-key.json")],
    {
      env: { ...process.env, DATABASE_URL: postgres.url },
      timeout: 60_000,
    },
  );
  expect(verify.stdout).toMatch(/^ledger OK: \d+ events/);

  // After a restart, every received credential is still live and redeemable (its Redis state survived the crash).
  const after = await start();
  const sample = received.slice(0, 40);
  for (const { credential, jti } of sample) {
    const res = await call(after.url, "/v1/credentials/redeem", "crm-prod", { credential });
    expect(res).toMatchObject({ status: 200, body: { active: true, jti } });
  }
  await after.stop();
});

test("SIGTERM lets requests in flight finish (201, recorded), then exits 0", async () => {
  const child = await start();
  postgres.pause(); // hold the ledger so that the requests below are certainly in flight at SIGTERM
  let inFlight: Promise<{ status: number; body: Record<string, unknown> }[]>;
  try {
    const before = (await replayMarkersGrowing(0)).length;
    inFlight = Promise.all(
      Array.from({ length: 8 }, () => call(child.url, "/v1/credentials", "support-agent", { scope: "crm:read", resource: "crm:customers/42" })),
    );
    // In flight = authenticated (its assertion's replay marker is in Redis) and now waiting on the paused ledger.
    await untilLength(await replayMarkersGrowing(before + 8), before + 8);
    child.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    postgres.resume();
  }
  const answers = await inFlight;
  expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
  expect(await child.exited).toEqual({ code: 0, signal: null });
  const issued = new Set((await ledger()).filter((row) => row.type === "issued").map((row) => row.jti));
  for (const answer of answers) expect(issued.has(String(answer.body.jti))).toBe(true);
  expect(child.output.join("")).toContain('"msg":"stopped"');
});
