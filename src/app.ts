import { join } from "node:path";
import type { Express } from "express";
import type { Redis } from "ioredis";
import type { Config } from "./config/config";
import type { AuditLog } from "./domain/audit/audit-log";
import { systemClock, type Clock } from "./domain/clock";
import type { TokenStore } from "./domain/credentials/token-store";
import type { ReplayGuard } from "./domain/identity/replay-guard";
import { KeyRing } from "./domain/keys/key-ring";
import { loadPolicyFile } from "./domain/policy/load-policy";
import type { Policy } from "./domain/policy/policy";
import { fixedPolicy } from "./domain/policy/policy-source";
import { createHttpApp } from "./http/create-http-app";
import { ensureKeys, loadKeysFile } from "./stores/keys/keys-file";
import { MemoryReplayGuard } from "./stores/memory/memory-replay-guard";
import { MemoryTokenStore } from "./stores/memory/memory-token-store";
import { startEmbeddedPostgres } from "./stores/postgres/embedded-postgres";
import { migrate } from "./stores/postgres/migrate";
import { PrismaAuditLog } from "./stores/postgres/prisma-audit-log";
import { createPrismaClient } from "./stores/postgres/prisma-client";
import { connectRedis } from "./stores/redis/redis-connection";
import { checkNoEviction } from "./stores/redis/redis-eviction-check";
import { RedisReplayGuard } from "./stores/redis/redis-replay-guard";
import { RedisTokenStore } from "./stores/redis/redis-token-store";
import { RedisWindowCounter } from "./stores/redis/redis-window-counter";
import { MemoryWindowCounter } from "./stores/memory/memory-window-counter";
import type { WindowCounter } from "./domain/limits/window-counter";
import type { Logger } from "./telemetry/logger";

/** A built Locksmith: its HTTP app and what must be closed on shutdown. */
export interface Locksmith {
  readonly http: Express;
  readonly policy: Policy;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  readonly stores: string;
  close(): Promise<void>;
}

export class StartupError extends Error {}

interface Stores {
  tokens: TokenStore;
  replay: ReplayGuard;
  counter: WindowCounter;
  audit: AuditLog;
  readiness: Record<string, () => Promise<void>>;
  description: string;
  close(): Promise<void>;
}

/**
 * The composition root, the one place that knows every layer: loads policy and
 * keys, picks the stores for the mode (Redis + PostgreSQL in production,
 * memory + embedded PGlite in dev mode) and wires the HTTP app.
 */
export async function buildLocksmith(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Locksmith> {
  const policy = await loadPolicyFile(config.policyFile);
  if (config.mode === "dev" && (await ensureKeys(config.keysFile, policy.environments))) {
    logger.info({ keys_file: config.keysFile }, "generated dev signing keys");
  }
  const keys = new KeyRing(await loadKeysFile(config.keysFile));
  const unsigned = keys.missing(policy.environments);
  if (unsigned.length > 0) {
    throw new StartupError(`LOCKSMITH_KEYS_FILE has no active key for environment(s) ${unsigned.join(", ")}: run \`npx locksmith keys generate\``);
  }

  const stores = config.mode === "production" ? await productionStores(config) : await devStores(config, clock);
  const services = { issuer: config.issuer, policy: fixedPolicy(policy), keys, tokens: stores.tokens, audit: stores.audit, clock };
  const http = createHttpApp({ services, replay: stores.replay, logger, readiness: stores.readiness, counter: stores.counter });
  return { http, policy, keys, audit: stores.audit, stores: stores.description, close: stores.close };
}

async function productionStores(config: Config): Promise<Stores> {
  let redis: Redis;
  try {
    redis = await connectRedis({ url: config.redisUrl!, keyPrefix: config.redisPrefix });
  } catch (error) {
    throw new StartupError(`REDIS_URL: cannot reach Redis (${(error as Error).message})`);
  }
  const eviction = await checkNoEviction(redis).catch((error: Error) => ({ ok: false as const, problem: `cannot read Redis's settings (${error.message})` }));
  if (!eviction.ok) {
    redis.disconnect();
    throw new StartupError(`REDIS_URL: ${eviction.problem}`);
  }
  const prisma = createPrismaClient(config.databaseUrl!);
  try {
    await prisma.$queryRawUnsafe('SELECT 1 FROM "audit_events" LIMIT 0');
  } catch (error) {
    redis.disconnect();
    await prisma.$disconnect().catch(() => undefined);
    const message = (error as Error).message;
    throw new StartupError(
      /audit_events/.test(message)
        ? "DATABASE_URL: the audit ledger table is missing: run `npm run migrate` first"
        : `DATABASE_URL: cannot reach PostgreSQL (${message.split("\n")[0]})`,
    );
  }
  const audit = new PrismaAuditLog(prisma);
  return {
    tokens: new RedisTokenStore(redis),
    replay: new RedisReplayGuard(redis),
    counter: new RedisWindowCounter(redis),
    audit,
    readiness: { redis: async () => void (await redis.ping()), postgres: () => audit.ping() },
    description: "Redis + PostgreSQL",
    async close() {
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}

async function devStores(config: Config, clock: Clock): Promise<Stores> {
  const postgres = await startEmbeddedPostgres(join(config.dataDir, "pgdata"));
  await migrate(postgres.url, config.migrationsDir);
  const prisma = createPrismaClient(postgres.url, 1);
  const audit = new PrismaAuditLog(prisma, 1);
  const tokens = new MemoryTokenStore(clock);
  const replay = new MemoryReplayGuard(clock);
  return {
    tokens,
    replay,
    counter: new MemoryWindowCounter(clock),
    audit,
    readiness: { postgres: () => audit.ping() },
    description: `in-memory token store + embedded PostgreSQL (PGlite) in ${join(config.dataDir, "pgdata")}`,
    async close() {
      tokens.close();
      replay.close();
      await prisma.$disconnect();
      await postgres.stop();
    },
  };
}
