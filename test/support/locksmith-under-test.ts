import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { buildLocksmith, type Locksmith } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import type { Clock } from "../../src/domain/clock";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { keysNeeded } from "../../src/domain/keys/signing-alg";
import { loadPolicyFile } from "../../src/domain/policy/load-policy";
import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { createLogger } from "../../src/telemetry/logger";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "./services";
import { EXAMPLE_POLICY } from "./principals";

export const TEST_ISSUER = "https://locksmith.test";

export interface LocksmithUnderTest {
  readonly locksmith: Locksmith;
  readonly database: TestDatabase;
  readonly redisPrefix: string;
  /** The signing keys file it was started with (replicas share it). */
  readonly keysFile: string;
  /** The ledger's checkpoint key file (next to the keys file), and its C2SP verifier key. */
  readonly ledgerKeyFile: string;
  readonly verifierKey: string;
  /** Every log line the service wrote, raw. */
  readonly logs: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly policyFile?: string;
  /**
   * Start another replica of this one: same database, Redis key prefix and
   * signing keys (its own process state and logs). Closing a replica leaves
   * the shared stores to the original.
   */
  readonly replicaOf?: LocksmithUnderTest;
  /** Extra settings, e.g. LOCKSMITH_CHECKPOINT_EVERY or `{ LOCKSMITH_APPROVAL_TIMEOUT: "1s" }`. */
  readonly env?: Record<string, string>;
  /** More settings (environment variables), e.g. a faster LOCKSMITH_KEYS_POLL_SECONDS. */
  readonly settings?: Record<string, string>;
  /** The clock the service runs on (default: the system clock). */
  readonly clock?: Clock;
}

/** Every key the bundle's resource servers need (EdDSA, and ES256/RS256 where asked); a bundle that does not load gets the EdDSA keys of staging and production, and start-up names its problem. */
const keysFor = (policyFile: string) => loadPolicyFile(policyFile).then(keysNeeded, () => ["staging", "production"]);

/**
 * A Locksmith in production mode on the real Redis and PostgreSQL, with its
 * own database, key prefix and freshly generated signing keys.
 */
export async function startLocksmith(options: StartOptions = {}): Promise<LocksmithUnderTest> {
  const replicaOf = options.replicaOf;
  const database = replicaOf?.database ?? (await createTestDatabase());
  const redisPrefix = replicaOf?.redisPrefix ?? testRedisPrefix();
  const keysFile = replicaOf?.keysFile ?? join(mkdtempSync(join(tmpdir(), "locksmith-keys-")), "keys.json");
  const policyFile = options.policyFile ?? EXAMPLE_POLICY;
  if (!replicaOf) await writeKeysFile(keysFile, await generateKeys(await keysFor(policyFile)));
  const ledgerKeyFile = join(dirname(keysFile), "ledger-key.json");
  const verifierKey = replicaOf?.verifierKey ?? (await writeNewLedgerKey(ledgerKeyFile, ledgerOrigin(TEST_ISSUER)));
  const config = loadConfig({
    REDIS_URL,
    DATABASE_URL: database.url,
    LOCKSMITH_POLICY: policyFile,
    LOCKSMITH_KEYS_FILE: keysFile,
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
    LOCKSMITH_REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: "debug",
    LOCKSMITH_LEDGER_KEY_FILE: ledgerKeyFile,
    ...options.env,
    ...options.settings,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const locksmith = await buildLocksmith(config, createLogger("debug", sink), options.clock);
  return {
    locksmith,
    database,
    redisPrefix,
    keysFile,
    ledgerKeyFile,
    verifierKey,
    logs,
    async close() {
      await locksmith.close();
      if (replicaOf) return;
      await deleteRedisKeys(redisPrefix);
      await database.drop();
      rmSync(dirname(keysFile), { recursive: true, force: true });
    },
  };
}
