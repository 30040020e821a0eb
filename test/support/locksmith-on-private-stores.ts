import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { buildLocksmith, type Locksmith } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { migrate } from "../../src/stores/postgres/migrate";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { createLogger } from "../../src/telemetry/logger";
import { TEST_ISSUER } from "./locksmith-under-test";
import { EXAMPLE_POLICY } from "./principals";
import { startPrivatePostgres, startPrivateRedis, type PrivateStore } from "./private-stores";
import { MIGRATIONS_DIR } from "./services";

export const PRIVATE_PREFIX = "locksmith:";

/** Locksmith in production mode (in this process) on a private Redis and a private PostgreSQL that a test may break. */
export interface LocksmithOnPrivateStores {
  readonly locksmith: Locksmith;
  readonly redis: PrivateStore;
  readonly postgres: PrivateStore;
  readonly keysFile: string;
  readonly logs: string[];
  /** Keys of live credential state in the private Redis. */
  credentialKeys(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts both private stores, migrates the ledger, writes keys and builds Locksmith; cleans up everything it started if any step fails. */
export async function startLocksmithOnPrivateStores(options: { redis?: PrivateStore; postgres?: PrivateStore } = {}): Promise<LocksmithOnPrivateStores> {
  const started: PrivateStore[] = [];
  const keysDir = mkdtempSync(join(tmpdir(), "locksmith-keys-"));
  try {
    const redis = options.redis ?? (await startPrivateRedis());
    if (!options.redis) started.push(redis);
    const postgres = options.postgres ?? (await startPrivatePostgres());
    if (!options.postgres) started.push(postgres);
    await migrate(postgres.url, MIGRATIONS_DIR);
    const keysFile = join(keysDir, "keys.json");
    await writeKeysFile(keysFile, await generateKeys(["staging", "production"]));
    const ledgerKeyFile = join(keysDir, "ledger-key.json");
    await writeNewLedgerKey(ledgerKeyFile, ledgerOrigin(TEST_ISSUER));
    const logs: string[] = [];
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        logs.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      LOCKSMITH_POLICY: EXAMPLE_POLICY,
      LOCKSMITH_KEYS_FILE: keysFile,
      LOCKSMITH_LEDGER_KEY_FILE: ledgerKeyFile,
      LOCKSMITH_ISSUER: TEST_ISSUER,
      LOCKSMITH_REDIS_PREFIX: PRIVATE_PREFIX,
      LOG_LEVEL: "debug",
    });
    const locksmith = await buildLocksmith(config, createLogger("debug", sink));
    return {
      locksmith,
      redis,
      postgres,
      keysFile,
      logs,
      async credentialKeys() {
        const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        await client.connect();
        try {
          return (await client.keys(`${PRIVATE_PREFIX}cred:*`)).sort();
        } finally {
          client.disconnect();
        }
      },
      async close() {
        await locksmith.close().catch(() => undefined);
        for (const store of started) await store.stop();
        rmSync(keysDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const store of started) await store.stop();
    rmSync(keysDir, { recursive: true, force: true });
    throw error;
  }
}
