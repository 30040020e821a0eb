import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { spawnLocksmith, type LocksmithProcess } from "../support/locksmith-process";
import { assertionFor } from "../support/principals";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "../support/services";

// LOCKSMITH_WORKERS=2: a primary (node:cluster) and two workers sharing one port, Redis and PostgreSQL.
// A worker that dies is replaced while the other serves; SIGTERM drains every worker and exits 0.

jest.setTimeout(90_000);

let database: TestDatabase;
let prefix: string;
let keysDir: string;
let locksmith: LocksmithProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = testRedisPrefix();
  keysDir = mkdtempSync(join(tmpdir(), "locksmith-cluster-"));
  await writeKeysFile(join(keysDir, "keys.json"), await generateKeys(["staging", "production"]));
  await writeNewLedgerKey(join(keysDir, "ledger-key.json"), ledgerOrigin(TEST_ISSUER));
  locksmith = await spawnLocksmith(
    {
      REDIS_URL,
      DATABASE_URL: database.url,
      LOCKSMITH_POLICY: join(__dirname, "..", "..", "examples", "policy.yaml"),
      LOCKSMITH_KEYS_FILE: join(keysDir, "keys.json"),
      LOCKSMITH_LEDGER_KEY_FILE: join(keysDir, "ledger-key.json"),
      LOCKSMITH_ISSUER: TEST_ISSUER,
      LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
      LOCKSMITH_REDIS_PREFIX: prefix,
      LOCKSMITH_WORKERS: "2",
      LOG_LEVEL: "info",
    },
    45_000,
  );
});
afterAll(async () => {
  await locksmith?.stop();
  await deleteRedisKeys(prefix);
  await database?.drop();
  rmSync(keysDir, { recursive: true, force: true });
});

const lines = () =>
  locksmith.output
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { msg: string; pid?: number; worker?: number });
const workerPids = () =>
  lines()
    .filter((line) => line.msg === "worker listening")
    .map((line) => line.pid!);

async function issue(): Promise<number> {
  const res = await fetch(`${locksmith.url}/v1/credentials`, {
    method: "POST",
    headers: { authorization: `Bearer ${await assertionFor("support-agent", TEST_ISSUER)}`, "content-type": "application/json" },
    body: JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function until(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; output:\n${locksmith.output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("two workers serve one port: the primary says it listens once both do", async () => {
  const pids = workerPids();
  expect(new Set(pids).size).toBe(2);
  expect(pids).not.toContain(locksmith.child.pid);
  expect(lines().filter((line) => line.msg === "locksmith listening")).toHaveLength(1);
  const statuses = await Promise.all(Array.from({ length: 12 }, issue));
  expect(statuses).toEqual(Array(12).fill(201));
});

test("a killed worker is replaced, and the other one serves meanwhile", async () => {
  const [victim, survivor] = workerPids();
  process.kill(victim, "SIGKILL");
  await until(() => lines().some((line) => line.msg === "worker died: starting another" && line.pid === victim), 10_000);
  const during = await Promise.all(Array.from({ length: 6 }, issue));
  expect(during).toEqual(Array(6).fill(201));
  await until(() => workerPids().length === 3, 30_000);
  const replacement = workerPids()[2];
  expect([victim, survivor]).not.toContain(replacement);
  expect(() => process.kill(survivor, 0)).not.toThrow();
  expect(await Promise.all(Array.from({ length: 6 }, issue))).toEqual(Array(6).fill(201));
});

test("SIGTERM drains every worker: in-flight requests are answered, each worker and the primary stop, exit 0", async () => {
  // In flight for certain, whatever the machine's load: each request's headers and half its body are
  // sent before SIGTERM, the other half only once both workers say they are draining.
  const assertions = await Promise.all(Array.from({ length: 16 }, () => assertionFor("support-agent", TEST_ISSUER)));
  const body = JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" });
  const url = new URL(`${locksmith.url}/v1/credentials`);
  const inFlight = assertions.map((assertion) => {
    const req = request(url, {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${assertion}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    const status = new Promise<number>((resolve) => {
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
    });
    req.write(body.slice(0, 10));
    return { req, status };
  });
  // Each worker has read the headers (the request waits for its body) before the primary is told to stop.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  locksmith.child.kill("SIGTERM");
  await until(() => lines().filter((line) => line.msg === "shutting down: draining in-flight requests").length === 2, 20_000);
  for (const { req } of inFlight) req.end(body.slice(10));
  const statuses = await Promise.all(inFlight.map(({ status }) => status));
  expect(statuses).toEqual(Array(16).fill(201));
  expect(await locksmith.exited).toEqual({ code: 0, signal: null });
  // Each of the two live workers and the primary flushed its "stopped" line before exiting.
  expect(lines().filter((line) => line.msg === "stopped")).toHaveLength(3);
});
