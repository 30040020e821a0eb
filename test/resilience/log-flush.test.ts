import { spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { freePort } from "../support/private-stores";
import { EXAMPLE_POLICY } from "../support/principals";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "../support/services";

// Logs go through pino's asynchronous destination (lines buffered while a write is in flight).
// The lines logged just before an exit must still reach the file: on a graceful shutdown and on a crash.

jest.setTimeout(60_000);

const DIST = resolve(__dirname, "..", "..", "dist");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-log-flush-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs node with stdout and stderr into `file`, resolving with the exit code once it exits. */
function runInto(file: string, args: string[], env: Record<string, string>) {
  const fd = openSync(file, "w");
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return { child, exited };
}

test("a burst of lines and an uncaught exception: every line and the fatal one reach the file, exit 1", async () => {
  const file = join(dir, "crash.log");
  const script = `
    const { createProcessLogger, installLogFlush } = require(${JSON.stringify(join(DIST, "telemetry", "logger.js"))});
    const log = createProcessLogger("info");
    installLogFlush(log);
    for (let i = 0; i < 20000; i++) log.logger.info({ i, pad: "x".repeat(200) }, "line " + i);
    setImmediate(() => { throw new Error("boom"); });
  `;
  const { exited } = runInto(file, ["-e", script], {});
  expect(await exited).toBe(1);
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"));
  const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages.filter((msg) => msg.startsWith("line "))).toHaveLength(20000);
  expect(messages).toContain("line 19999");
  expect(messages[messages.length - 1]).toBe("uncaught exception: exiting");
  expect(lines[lines.length - 1]).toContain("boom");
});

describe("a Locksmith shut down with SIGTERM", () => {
  let database: TestDatabase;
  let prefix: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = testRedisPrefix();
  });
  afterAll(async () => {
    await deleteRedisKeys(prefix);
    await database?.drop();
  });

  test("writes its last line ('stopped', logged just before it exits) to the file", async () => {
    await writeKeysFile(join(dir, "keys.json"), await generateKeys(["staging", "production"]));
    await writeNewLedgerKey(join(dir, "ledger-key.json"), ledgerOrigin(TEST_ISSUER));
    const file = join(dir, "service.log");
    const { child, exited } = runInto(file, [join(DIST, "main.js")], {
      REDIS_URL,
      DATABASE_URL: database.url,
      LOCKSMITH_POLICY: EXAMPLE_POLICY,
      LOCKSMITH_KEYS_FILE: join(dir, "keys.json"),
      LOCKSMITH_LEDGER_KEY_FILE: join(dir, "ledger-key.json"),
      LOCKSMITH_ISSUER: TEST_ISSUER,
      LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
      LOCKSMITH_REDIS_PREFIX: prefix,
      LOCKSMITH_WORKERS: "1",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      LOG_LEVEL: "info",
    });
    const deadline = Date.now() + 20_000;
    while (!readFileSync(file, "utf8").includes('"msg":"locksmith listening"')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(readFileSync(file, "utf8"));
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const messages = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.slice(-2)).toEqual(["shutting down: draining in-flight requests", "stopped"]);
  });
});
