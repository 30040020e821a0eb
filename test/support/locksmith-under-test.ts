import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { buildLocksmith, type Locksmith } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { createLogger } from "../../src/telemetry/logger";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "./services";
import { EXAMPLE_POLICY } from "./principals";

export const TEST_ISSUER = "https://locksmith.test";

export interface LocksmithUnderTest {
  readonly locksmith: Locksmith;
  readonly database: TestDatabase;
  readonly redisPrefix: string;
  /** Every log line the service wrote, raw. */
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * A Locksmith in production mode on the real Redis and PostgreSQL, with its
 * own database, key prefix and freshly generated signing keys.
 */
export async function startLocksmith(options: { policyFile?: string } = {}): Promise<LocksmithUnderTest> {
  const database = await createTestDatabase();
  const redisPrefix = testRedisPrefix();
  const keysFile = join(mkdtempSync(join(tmpdir(), "locksmith-keys-")), "keys.json");
  const policyFile = options.policyFile ?? EXAMPLE_POLICY;
  await writeKeysFile(keysFile, await generateKeys(["staging", "production"]));
  const config = loadConfig({
    REDIS_URL,
    DATABASE_URL: database.url,
    LOCKSMITH_POLICY: policyFile,
    LOCKSMITH_KEYS_FILE: keysFile,
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: "debug",
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const locksmith = await buildLocksmith(config, createLogger("debug", sink));
  return {
    locksmith,
    database,
    redisPrefix,
    logs,
    async close() {
      await locksmith.close();
      await deleteRedisKeys(redisPrefix);
      await database.drop();
    },
  };
}
