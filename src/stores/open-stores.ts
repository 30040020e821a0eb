import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Config } from "../config/config";
import type { SuspensionStore } from "../domain/agents/suspension-store";
import type { ApprovalStore } from "../domain/approvals/approval-store";
import type { AuditLog } from "../domain/audit/audit-log";
import type { CheckpointSigner } from "../domain/audit/checkpoint-note";
import type { LedgerReader, StoredCheckpoint } from "../domain/audit/ledger-reader";
import type { Clock } from "../domain/clock";
import type { TokenStore } from "../domain/credentials/token-store";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { WindowCounter } from "../domain/limits/window-counter";
import type { RevocationFeed } from "../domain/revocations/revocation-feed";
import type { Logger } from "../telemetry/logger";
import { MemoryApprovalStore } from "./memory/memory-approval-store";
import { MemoryReplayGuard } from "./memory/memory-replay-guard";
import { MemoryRevocationFeed } from "./memory/memory-revocation-feed";
import { MemorySuspensionStore } from "./memory/memory-suspension-store";
import { MemoryTokenStore } from "./memory/memory-token-store";
import { MemoryWindowCounter } from "./memory/memory-window-counter";
import { startEmbeddedPostgres } from "./postgres/embedded-postgres";
import { createLedger } from "./postgres/ledger-stores";
import { migrate } from "./postgres/migrate";
import { PostgresLedgerReader } from "./postgres/postgres-ledger-reader";
import { PgAuditLog } from "./postgres/pg-audit-log";
import { createDatabase } from "./postgres/prisma-client";
import { PrismaSecretStore } from "./postgres/prisma-secret-store";
import { PrismaRoleRegistry } from "./postgres/prisma-role-registry";
import type { SecretStore } from "../domain/secrets/secret-store";
import type { RoleRegistry } from "../domain/upstreams/role-registry";
import { ReadReplicaAuditLog } from "./postgres/read-replica-audit-log";
import { RedisApprovalStore } from "./redis/redis-approval-store";
import { checkNoEviction } from "./redis/redis-eviction-check";
import { RedisReplayGuard } from "./redis/redis-replay-guard";
import { RedisRevocationFeed } from "./redis/redis-revocation-feed";
import { RedisSuspensionStore } from "./redis/redis-suspension-store";
import { RedisTokenStore } from "./redis/redis-token-store";
import { RedisRequestGate } from "./redis/redis-request-gate";
import { MemoryRequestGate } from "./memory/memory-request-gate";
import type { RequestGate } from "../domain/credentials/request-gate";
import { RedisWindowCounter } from "./redis/redis-window-counter";
import { connectRedisTopology } from "./redis/redis-topology";
import { causeOf } from "../config/startup-problem";
import { StartupError } from "./startup-error";
import type { TicketStore } from "../domain/tickets/ticket-store";
import type { GrantStore } from "../domain/oauth/grant-store";
import { MemoryTicketStore } from "./memory/memory-ticket-store";
import { MemoryGrantStore } from "./memory/memory-grant-store";
import { RedisTicketStore } from "./redis/redis-ticket-store";
import { RedisGrantStore } from "./redis/redis-grant-store";

/**
 * Every store a Locksmith needs, opened for its mode, with what readiness
 * checks and shutdown need to know about them.
 */
export interface Stores {
  tokens: TokenStore;
  /** The hot path's one store call, over the same keys as tokens, replay, counter and suspensions. */
  gate: RequestGate;
  /** Login transactions, sessions, consent forms and authorization codes (hashed ids). */
  tickets: TicketStore;
  /** People's grants to MCP clients and their refresh-token families. */
  grants: GrantStore;
  replay: ReplayGuard;
  counter: WindowCounter;
  audit: AuditLog;
  revocations: RevocationFeed;
  ledger: LedgerReader;
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  suspensions: SuspensionStore;
  approvals: ApprovalStore;
  /** Sealed upstream secrets and the registry of database roles made with them (both in Locksmith's PostgreSQL). */
  secrets: SecretStore;
  roles: RoleRegistry;
  readiness: Record<string, () => Promise<void>>;
  description: string;
  close(): Promise<void>;
}

const checkpointOptions = (config: Config) => ({
  everyEvents: config.ledger.everyEvents,
  everyMs: config.ledger.everySeconds * 1000,
  exportDir: config.ledger.exportDir,
});

/**
 * Opens the stores for the configured mode: Redis + PostgreSQL (and an
 * optional read replica for audit queries) in production, memory stores +
 * embedded PostgreSQL (PGlite) in dev mode. Unreachable or misconfigured
 * stores are a StartupError naming the setting to fix; nothing is left open.
 */
export function openStores(config: Config, clock: Clock, signer: CheckpointSigner, logger: Logger): Promise<Stores> {
  return config.mode === "production" ? productionStores(config, signer, logger) : devStores(config, clock, signer, logger);
}

async function productionStores(config: Config, signer: CheckpointSigner, logger: Logger): Promise<Stores> {
  let redis: Redis;
  try {
    redis = await connectRedisTopology(config.redisUrl!, config.redisTopology, config.redisPrefix);
  } catch (error) {
    throw new StartupError(`REDIS_URL: cannot reach Redis (${config.redisTopology.mode}: ${causeOf(error)})`);
  }
  const eviction = await checkNoEviction(redis).catch((error: Error) => ({ ok: false as const, problem: `cannot read Redis's settings (${error.message})` }));
  if (!eviction.ok) {
    redis.disconnect();
    throw new StartupError(`REDIS_URL: ${eviction.problem}`);
  }
  const database = createDatabase(config.databaseUrl!);
  const prisma = database.prisma;
  try {
    await prisma.$queryRawUnsafe('SELECT 1 FROM "audit_events" LIMIT 0');
  } catch (error) {
    redis.disconnect();
    await database.close();
    throw new StartupError(
      /audit_events/.test((error as Error).message)
        ? "DATABASE_URL: the audit ledger table is missing: run `npm run migrate` first"
        : `DATABASE_URL: cannot reach PostgreSQL (${causeOf(error)})`,
    );
  }
  const ledger = createLedger(database, signer, checkpointOptions(config), logger);
  const replica = config.databaseReadUrl ? createDatabase(config.databaseReadUrl) : undefined;
  if (replica) {
    await replica.prisma.$queryRawUnsafe('SELECT 1 FROM "audit_events" LIMIT 0').catch(async (error: Error) => {
      await ledger.checkpointer.stop().catch(() => undefined);
      redis.disconnect();
      await Promise.all([database.close(), replica.close()]);
      throw new StartupError(`DATABASE_READ_URL: cannot query the ledger on the read replica (${causeOf(error)})`);
    });
  }
  // Appends (and checkpoints) go to the primary; audit queries and the auditors' API read the replica.
  const audit = replica ? new ReadReplicaAuditLog(ledger.audit, new PgAuditLog(replica.pool)) : ledger.audit;
  const reader = replica ? new PostgresLedgerReader(replica.prisma) : ledger.reader;
  const checkpointer = ledger.checkpointer;
  const revocations = await RedisRevocationFeed.start(redis);
  return {
    tokens: new RedisTokenStore(redis),
    gate: new RedisRequestGate(redis),
    tickets: new RedisTicketStore(redis),
    grants: new RedisGrantStore(redis),
    replay: new RedisReplayGuard(redis),
    counter: new RedisWindowCounter(redis),
    audit,
    revocations,
    ledger: reader,
    checkpoint: () => checkpointer.checkpoint(),
    suspensions: new RedisSuspensionStore(redis),
    approvals: new RedisApprovalStore(redis),
    secrets: new PrismaSecretStore(prisma),
    roles: new PrismaRoleRegistry(prisma),
    readiness: { redis: async () => void (await redis.ping()), postgres: () => audit.ping() },
    description: `Redis (${config.redisTopology.mode}) + PostgreSQL${replica ? " with a read replica for audit queries" : ""}`,
    async close() {
      await checkpointer.stop().catch(() => undefined);
      await revocations.close();
      redis.disconnect();
      await Promise.all([database.close(), replica?.close()]);
    },
  };
}

async function devStores(config: Config, clock: Clock, signer: CheckpointSigner, logger: Logger): Promise<Stores> {
  const postgres = await startEmbeddedPostgres(join(config.dataDir, "pgdata"));
  await migrate(postgres.url, config.migrationsDir);
  // PGlite serves one connection: Prisma and the ledger's appends share a pool of one.
  const database = createDatabase(postgres.url, 1);
  const prisma = database.prisma;
  const { audit, reader, checkpointer } = createLedger(database, signer, checkpointOptions(config), logger, 1);
  const tokens = new MemoryTokenStore(clock);
  const replay = new MemoryReplayGuard(clock);
  const revocations = new MemoryRevocationFeed(clock);
  const tickets = new MemoryTicketStore(clock);
  const counter = new MemoryWindowCounter(clock);
  const suspensions = new MemorySuspensionStore(clock);
  return {
    tokens,
    gate: new MemoryRequestGate({ replay, counter, suspensions, tokens }),
    tickets,
    grants: new MemoryGrantStore(clock),
    replay,
    counter,
    audit,
    revocations,
    ledger: reader,
    checkpoint: () => checkpointer.checkpoint(),
    suspensions,
    approvals: new MemoryApprovalStore(clock),
    secrets: new PrismaSecretStore(prisma),
    roles: new PrismaRoleRegistry(prisma),
    readiness: { postgres: () => audit.ping() },
    description: `in-memory token store + embedded PostgreSQL (PGlite) in ${join(config.dataDir, "pgdata")}`,
    async close() {
      await checkpointer.stop().catch(() => undefined);
      tokens.close();
      tickets.close();
      replay.close();
      await revocations.close();
      await database.close();
      await postgres.stop();
    },
  };
}
