import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateKeys, writeKeysFile } from "../src/stores/keys/keys-file";
import { ledgerOrigin, writeNewLedgerKey } from "../src/stores/keys/ledger-key-file";
import { ENVIRONMENTS } from "./bundle";
import { startNode, freePort, type Child } from "./processes";
import { benchRedisPrefix, createBenchDatabase, deleteRedisKeys, PACKAGE_ROOT, REDIS_URL, type BenchDatabase } from "./services";

export const BENCH_ISSUER = "https://locksmith.bench";

export interface LocksmithProcess {
  readonly url: string;
  readonly database: BenchDatabase;
  readonly redisPrefix: string;
  readonly keysFile: string;
  /** The process id of the running Locksmith (it changes on restart). */
  pid(): number | undefined;
  /** Restarts the process on the same stores (e.g. after filling the ledger). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Locksmith in production mode as its own process (`node dist/main.js`, as
 * `npm start` runs it) on the shared Redis and PostgreSQL, with a database,
 * key prefix and signing keys of its own. `nodeArgs` takes e.g. --cpu-prof;
 * `workers` is LOCKSMITH_WORKERS (with more than one, `pid` is the primary's, which serves nothing).
 */
export async function startLocksmithProcess(policyFile: string, nodeArgs: string[] = [], workers = 1): Promise<LocksmithProcess> {
  const database = await createBenchDatabase();
  const redisPrefix = benchRedisPrefix();
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-"));
  const keysFile = join(dir, "keys.json");
  await writeKeysFile(keysFile, await generateKeys(ENVIRONMENTS));
  const ledgerKeyFile = join(dir, "ledger-key.json");
  await writeNewLedgerKey(ledgerKeyFile, ledgerOrigin(BENCH_ISSUER));
  const port = await freePort();
  const env = {
    NODE_ENV: "production",
    REDIS_URL,
    DATABASE_URL: database.url,
    LOCKSMITH_POLICY: policyFile,
    LOCKSMITH_KEYS_FILE: keysFile,
    LOCKSMITH_LEDGER_KEY_FILE: ledgerKeyFile,
    LOCKSMITH_ISSUER: BENCH_ISSUER,
    LOCKSMITH_REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: "info",
    // 1: one process, whose CPU the harness reads from /proc; more: a node:cluster primary and that many workers.
    LOCKSMITH_WORKERS: String(workers),
  };
  const start = () => startNode(resolve(PACKAGE_ROOT, "dist", "main.js"), { port, env, nodeArgs, readyPath: "/readyz" });
  let child: Child = await start();
  return {
    url: child.url,
    database,
    redisPrefix,
    keysFile,
    pid: () => child.process.pid,
    async restart() {
      await child.stop();
      child = await start();
    },
    async close() {
      await child.stop();
      await deleteRedisKeys(redisPrefix);
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
