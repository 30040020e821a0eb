import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "../support/services";

const ROOT = resolve(__dirname, "..", "..");

describe("npm run demo", () => {
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  const keysDir = mkdtempSync(join(tmpdir(), "locksmith-demo-keys-"));
  beforeAll(async () => {
    database = await createTestDatabase();
    await writeKeysFile(join(keysDir, "keys.json"), await generateKeys(["staging", "production"]));
    await writeNewLedgerKey(join(keysDir, "ledger-key.json"), "locksmith-demo");
  });
  afterAll(async () => {
    await database?.drop();
    await deleteRedisKeys(prefix);
    rmSync(keysDir, { recursive: true, force: true });
  });

  // On the local Redis and PostgreSQL rather than dev mode's embedded PostgreSQL, which is slow to
  // start on a loaded CI machine; the stories and the code path under them are the same.
  test("plays every story headless and exits 0 because each ended as expected", async () => {
    const env = {
      ...process.env,
      REDIS_URL,
      DATABASE_URL: database.url,
      LOCKSMITH_KEYS_FILE: join(keysDir, "keys.json"),
      LOCKSMITH_LEDGER_KEY_FILE: join(keysDir, "ledger-key.json"),
      LOCKSMITH_REDIS_PREFIX: prefix,
    };
    // `npm test` builds first, so dist/ holds the demo; it gets 60 s at most.
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(process.execPath, [resolve(ROOT, "dist", "demo", "main.js")], { cwd: ROOT, env, timeout: 60_000 }, (error, out) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out }),
      );
      child.stdin?.end();
    });
    expect(stdout).toContain("Locksmith (production mode)");
    expect(stdout).toContain("Every story ended as expected.");
    expect(stdout).toMatch(/environment_wall/);
    expect(stdout).toMatch(/pending_approval/);
    expect(stdout).not.toMatch(/✘/);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(code).toBe(0);
  }, 70_000);
});
