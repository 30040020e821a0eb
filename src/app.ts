import { join } from "node:path";
import type { Express } from "express";
import type { Redis } from "ioredis";
import type { Config } from "./config/config";
import type { AuditLog } from "./domain/audit/audit-log";
import { systemClock, type Clock } from "./domain/clock";
import type { TokenStore } from "./domain/credentials/token-store";
import type { ReplayGuard } from "./domain/identity/replay-guard";
import type { KeyRing } from "./domain/keys/key-ring";
import { loadPolicyFile } from "./domain/policy/load-policy";
import type { Policy } from "./domain/policy/policy";
import { fixedPolicy } from "./domain/policy/policy-source";
import { createHttpApp } from "./http/create-http-app";
import { environmentKekProtector, plainProtector } from "./stores/keys/key-protector";
import { ensureKeys } from "./stores/keys/keys-file";
import { KeysFileStore } from "./stores/keys/keys-file-store";
import { MemoryReplayGuard } from "./stores/memory/memory-replay-guard";
import { MemoryTokenStore } from "./stores/memory/memory-token-store";
import { startEmbeddedPostgres } from "./stores/postgres/embedded-postgres";
import { migrate } from "./stores/postgres/migrate";
import { PrismaAuditLog } from "./stores/postgres/prisma-audit-log";
import { createPrismaClient } from "./stores/postgres/prisma-client";
import { ReadReplicaAuditLog } from "./stores/postgres/read-replica-audit-log";
import { connectRedisTopology } from "./stores/redis/redis-topology";
import { RedisReplayGuard } from "./stores/redis/redis-replay-guard";
import { RedisTokenStore } from "./stores/redis/redis-token-store";
import type { Logger } from "./telemetry/logger";
import { MeteredAuditLog, MeteredReplayGuard, MeteredTokenStore } from "./telemetry/metered-stores";
import { LocksmithMetrics } from "./telemetry/metrics";

/** A built Locksmith: its HTTP app and what must be closed on shutdown. */
export interface Locksmith {
  readonly http: Express;
  readonly policy: Policy;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  readonly stores: string;
  /** The shared key source this replica polls (rotation: `keyStore.rotate`, then `refresh`). */
  readonly keyStore: KeysFileStore;
  readonly metrics: LocksmithMetrics;
  close(): Promise<void>;
}

/** Process-wide telemetry choices made by main (from OTEL_* variables). */
export interface TelemetryOptions {
  /** Push metrics through OTLP as well as serving /metrics. */
  readonly otlpMetrics?: boolean;
}

export class StartupError extends Error {}

interface Stores {
  tokens: TokenStore;
  replay: ReplayGuard;
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
export async function buildLocksmith(config: Config, logger: Logger, clock: Clock = systemClock, telemetry: TelemetryOptions = {}): Promise<Locksmith> {
  const policy = await loadPolicyFile(config.policyFile);
  if (config.mode === "dev" && !config.keysKek && (await ensureKeys(config.keysFile, policy.environments))) {
    logger.info({ keys_file: config.keysFile }, "generated dev signing keys");
  }
  const protector = config.keysKek ? environmentKekProtector(config.keysKek.key, config.keysKek.id) : plainProtector;
  const keyStore = await KeysFileStore.open({ file: config.keysFile, protector, environments: policy.environments, clock, logger, pollMs: config.keysPollMs });
  const keys = keyStore.ring;

  const stores = await (config.mode === "production" ? productionStores(config) : devStores(config, clock)).catch((error: Error) => {
    keyStore.close();
    throw error;
  });
  const metrics = LocksmithMetrics.create({ prometheus: config.metrics, otlp: telemetry.otlpMetrics ?? false, clock });
  const audit = new MeteredAuditLog(stores.audit, metrics);
  const policySource = fixedPolicy(policy);
  const services = { issuer: config.issuer, policy: policySource, keys, tokens: new MeteredTokenStore(stores.tokens, metrics), audit, clock };
  const readiness = {
    ...stores.readiness,
    keys: async () => {
      if (keys.missing(policySource.current().environments).length > 0) throw new Error("an environment has no active signing key");
    },
    policy: async () => {
      if (!policySource.current().version) throw new Error("no policy loaded");
    },
  };
  const http = createHttpApp({
    services,
    replay: new MeteredReplayGuard(stores.replay, metrics),
    logger,
    readiness,
    metrics: config.metrics ? metrics : undefined,
    keyRotation: { store: keyStore, audit, clock, policy: policySource },
  });
  async function close(): Promise<void> {
    keyStore.close();
    await stores.close();
    await metrics.shutdown().catch(() => undefined);
  }
  return { http, policy, keys, audit, stores: stores.description, keyStore, metrics, close };
}

async function productionStores(config: Config): Promise<Stores> {
  let redis: Redis;
  try {
    redis = await connectRedisTopology(config.redisUrl!, config.redisTopology, config.redisPrefix);
  } catch (error) {
    throw new StartupError(`REDIS_URL: cannot reach Redis (${config.redisTopology.mode}: ${(error as Error).message})`);
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
  const primary = new PrismaAuditLog(prisma);
  const reader = config.databaseReadUrl ? createPrismaClient(config.databaseReadUrl) : undefined;
  if (reader) {
    await reader.$queryRawUnsafe('SELECT 1 FROM "audit_events" LIMIT 0').catch(async (error: Error) => {
      redis.disconnect();
      await Promise.all([prisma.$disconnect(), reader.$disconnect()]).catch(() => undefined);
      throw new StartupError(`DATABASE_READ_URL: cannot query the ledger on the read replica (${error.message.split("\n")[0]})`);
    });
  }
  const audit = reader ? new ReadReplicaAuditLog(primary, new PrismaAuditLog(reader)) : primary;
  return {
    tokens: new RedisTokenStore(redis),
    replay: new RedisReplayGuard(redis),
    audit,
    readiness: { redis: async () => void (await redis.ping()), postgres: () => audit.ping() },
    description: `Redis (${config.redisTopology.mode}) + PostgreSQL${reader ? " with a read replica for audit queries" : ""}`,
    async close() {
      redis.disconnect();
      await Promise.all([prisma.$disconnect(), reader?.$disconnect()]);
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
