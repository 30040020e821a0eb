import { join } from "node:path";
import type { Express } from "express";
import type { Redis } from "ioredis";
import type { Config } from "./config/config";
import type { AuditLog } from "./domain/audit/audit-log";
import type { CheckpointSigner } from "./domain/audit/checkpoint-note";
import type { LedgerReader, StoredCheckpoint } from "./domain/audit/ledger-reader";
import { systemClock, type Clock } from "./domain/clock";
import type { TokenStore } from "./domain/credentials/token-store";
import type { ReplayGuard } from "./domain/identity/replay-guard";
import type { RevocationFeed } from "./domain/revocations/revocation-feed";
import type { KeyRing } from "./domain/keys/key-ring";
import { loadPolicyFile } from "./domain/policy/load-policy";
import type { Policy } from "./domain/policy/policy";
import { ReloadablePolicy, type ReloadResult, type ReloadTrigger } from "./domain/policy/reloadable-policy";
import type { ApprovalStore } from "./domain/approvals/approval-store";
import { IdpApproverAuthenticator } from "./domain/approvals/idp-approver-authenticator";
import type { SuspensionStore } from "./domain/agents/suspension-store";
import { CircuitBreaker } from "./domain/agents/circuit-breaker";
import { watchPolicyFile } from "./stores/policy-file-watch";
import { MemoryApprovalStore } from "./stores/memory/memory-approval-store";
import { MemorySuspensionStore } from "./stores/memory/memory-suspension-store";
import { RedisApprovalStore } from "./stores/redis/redis-approval-store";
import { RedisSuspensionStore } from "./stores/redis/redis-suspension-store";
import { createHttpApp } from "./http/create-http-app";
import { ensureLedgerKey, ledgerOrigin, loadLedgerKey } from "./stores/keys/ledger-key-file";
import { createLedger } from "./stores/postgres/ledger-stores";
import { PrismaAuditLog } from "./stores/postgres/prisma-audit-log";
import { PostgresLedgerReader } from "./stores/postgres/postgres-ledger-reader";
import { environmentKekProtector, plainProtector } from "./stores/keys/key-protector";
import { ensureKeys } from "./stores/keys/keys-file";
import { KeysFileStore } from "./stores/keys/keys-file-store";
import { MemoryReplayGuard } from "./stores/memory/memory-replay-guard";
import { MemoryRevocationFeed } from "./stores/memory/memory-revocation-feed";
import { MemoryTokenStore } from "./stores/memory/memory-token-store";
import { startEmbeddedPostgres } from "./stores/postgres/embedded-postgres";
import { migrate } from "./stores/postgres/migrate";
import { createPrismaClient } from "./stores/postgres/prisma-client";
import { checkNoEviction } from "./stores/redis/redis-eviction-check";
import { ReadReplicaAuditLog } from "./stores/postgres/read-replica-audit-log";
import { connectRedisTopology } from "./stores/redis/redis-topology";
import { RedisReplayGuard } from "./stores/redis/redis-replay-guard";
import { RedisRevocationFeed } from "./stores/redis/redis-revocation-feed";
import { RedisTokenStore } from "./stores/redis/redis-token-store";
import { RedisWindowCounter } from "./stores/redis/redis-window-counter";
import { MemoryWindowCounter } from "./stores/memory/memory-window-counter";
import type { WindowCounter } from "./domain/limits/window-counter";
import type { Logger } from "./telemetry/logger";
import { MeteredAuditLog, MeteredReplayGuard, MeteredTokenStore } from "./telemetry/metered-stores";
import { LocksmithMetrics } from "./telemetry/metrics";
import type { SecretStore } from "./domain/secrets/secret-store";
import { SecretVault } from "./domain/secrets/secret-vault";
import type { RoleRegistry } from "./domain/upstreams/role-registry";
import { DatabaseCredentials } from "./domain/upstreams/database-credentials";
import { PrismaSecretStore } from "./stores/postgres/prisma-secret-store";
import { PrismaRoleRegistry } from "./stores/postgres/prisma-role-registry";
import { PgRoleAdmin } from "./stores/upstreams/pg-role-admin";

/** A built Locksmith: its HTTP app and what must be closed on shutdown. */
export interface Locksmith {
  readonly http: Express;
  /** The policy loaded at start; `policySource.current()` is the one in force. */
  readonly policy: Policy;
  readonly policySource: ReloadablePolicy;
  /** Loads the bundle file again: validated, swapped atomically, or refused with the old one kept. */
  reloadPolicy(trigger: ReloadTrigger): Promise<ReloadResult>;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  /** The ledger's read side: queries, proofs, verification. */
  readonly ledger: LedgerReader;
  /** Signs a checkpoint of everything committed now (it also happens every N events or T seconds). */
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  readonly stores: string;
  /** Begins shutdown: ends long-lived streams so in-flight requests can drain. */
  drain(): void;
  /** The shared key source this replica polls (rotation: `keyStore.rotate`, then `refresh`). */
  readonly keyStore: KeysFileStore;
  readonly metrics: LocksmithMetrics;
  /** Upstream secrets (sealed in PostgreSQL) and the dynamic database roles made with them. */
  readonly secrets: SecretVault;
  readonly databaseCredentials: DatabaseCredentials;
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
  counter: WindowCounter;
  audit: AuditLog;
  revocations: RevocationFeed;
  ledger: LedgerReader;
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  suspensions: SuspensionStore;
  approvals: ApprovalStore;
  secrets: SecretStore;
  roles: RoleRegistry;
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

  if (config.mode === "dev" && (await ensureLedgerKey(config.ledger.keyFile, ledgerOrigin(config.issuer)))) {
    logger.info({ ledger_key_file: config.ledger.keyFile }, "generated dev ledger checkpoint key");
  }
  const signer = await loadLedgerKey(config.ledger.keyFile).catch((error: Error) => {
    keyStore.close();
    throw new StartupError(error.message);
  });

  const stores = await (config.mode === "production" ? productionStores(config, signer, logger) : devStores(config, clock, signer, logger)).catch((error: Error) => {
    keyStore.close();
    throw error;
  });
  const metrics = LocksmithMetrics.create({ prometheus: config.metrics, otlp: telemetry.otlpMetrics ?? false, clock });
  const audit = new MeteredAuditLog(stores.audit, metrics);
  const policySource = new ReloadablePolicy(policy, {
    load: () => loadPolicyFile(config.policyFile),
    refuse: (next) => {
      const missing = keys.missing(next.environments);
      return missing.length > 0 ? `no signing key for environment(s) ${missing.join(", ")}: run \`npx locksmith keys generate\`` : undefined;
    },
    audit,
    clock,
  });
  // Every start names the policy version it decides with, so each later decision can be traced to a loaded bundle.
  await policySource.recordStart().catch(async (error: Error) => {
    keyStore.close();
    await stores.close();
    throw new StartupError(`DATABASE_URL: cannot write to the audit ledger (${error.message})`);
  });
  const reloadPolicy = async (trigger: ReloadTrigger) => {
    const result = await policySource.reload(trigger);
    if (result.ok) logger.info({ trigger, policy_version: result.version, changed: result.changed }, "policy reloaded");
    else logger.warn({ trigger, policy_version: result.version, problems: result.problems }, "policy bundle refused: the old one keeps serving");
    return result;
  };
  const watcher = config.policyWatch ? watchPolicyFile(config.policyFile, () => void reloadPolicy("file_watch").catch(() => undefined)) : undefined;

  if (policy.upstreams && policy.upstreams.size > 0 && !protector.encrypts) {
    keyStore.close();
    await stores.close();
    throw new StartupError("LOCKSMITH_KEYS_KEK: the policy declares upstreams, whose secrets rest sealed under the key encryption key: set it");
  }
  const secrets = new SecretVault({ store: stores.secrets, wrapper: protector, policy: policySource, audit, clock });
  const databaseCredentials = new DatabaseCredentials({ policy: policySource, secrets, registry: stores.roles, admin: new PgRoleAdmin(), audit, clock });
  const reap = () =>
    databaseCredentials.reap().then(
      (summary) => {
        if (summary.dropped > 0 || summary.failed.length > 0) logger.info({ dropped: summary.dropped, failed: summary.failed }, "reaped expired database roles");
      },
      (error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, "database role reaper failed; retrying later"),
    );
  // At start (roles left by a crashed process), then periodically (roles whose credential expired).
  let reaping = reap();
  const reaper = setInterval(() => {
    reaping = reaping.then(reap);
  }, config.reaperSeconds * 1000);
  reaper.unref();

  const services = {
    issuer: config.issuer,
    policy: policySource,
    keys,
    tokens: new MeteredTokenStore(stores.tokens, metrics),
    audit,
    clock,
    revocations: stores.revocations,
    suspensions: stores.suspensions,
    approvals: stores.approvals,
    approvalTimeoutMs: config.approvalTimeoutSeconds * 1000,
    breaker: new CircuitBreaker(stores.counter, { policy: policySource, suspensions: stores.suspensions, audit, clock, upstreams: databaseCredentials }),
    upstreams: databaseCredentials,
  };
  const readiness = {
    ...stores.readiness,
    keys: async () => {
      if (keys.missing(policySource.current().environments).length > 0) throw new Error("an environment has no active signing key");
    },
    policy: async () => {
      if (!policySource.current().version) throw new Error("no policy loaded");
    },
  };
  const approvals = { ...services, approvals: stores.approvals, approvers: new IdpApproverAuthenticator(policySource, clock), approvalTimeoutMs: config.approvalTimeoutSeconds * 1000 };
  const admin = { suspension: { policy: policySource, suspensions: stores.suspensions, audit, clock, upstreams: databaseCredentials }, reloadPolicy };
  const shutdown = new AbortController();
  const http = createHttpApp({
    services,
    replay: new MeteredReplayGuard(stores.replay, metrics),
    logger,
    readiness,
    ledger: stores.ledger,
    shutdown: shutdown.signal,
    approvals,
    admin,
    counter: stores.counter,
    metrics: config.metrics ? metrics : undefined,
    keyRotation: { store: keyStore, audit, clock, policy: policySource },
    secrets,
  });
  async function close(): Promise<void> {
    watcher?.close();
    clearInterval(reaper);
    await reaping;
    keyStore.close();
    await stores.close();
    await metrics.shutdown().catch(() => undefined);
  }
  return {
    http,
    policy,
    policySource,
    reloadPolicy,
    keys,
    audit,
    ledger: stores.ledger,
    checkpoint: stores.checkpoint,
    stores: stores.description,
    keyStore,
    metrics,
    secrets,
    databaseCredentials,
    drain: () => shutdown.abort(),
    close,
  };
}


const checkpointOptions = (config: Config) => ({ everyEvents: config.ledger.everyEvents, everyMs: config.ledger.everySeconds * 1000, exportDir: config.ledger.exportDir });

async function productionStores(config: Config, signer: CheckpointSigner, logger: Logger): Promise<Stores> {
  let redis: Redis;
  try {
    redis = await connectRedisTopology(config.redisUrl!, config.redisTopology, config.redisPrefix);
  } catch (error) {
    throw new StartupError(`REDIS_URL: cannot reach Redis (${config.redisTopology.mode}: ${(error as Error).message})`);
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
  const ledger = createLedger(prisma, signer, checkpointOptions(config), logger);
  const replica = config.databaseReadUrl ? createPrismaClient(config.databaseReadUrl) : undefined;
  if (replica) {
    await replica.$queryRawUnsafe('SELECT 1 FROM "audit_events" LIMIT 0').catch(async (error: Error) => {
      await ledger.checkpointer.stop().catch(() => undefined);
      redis.disconnect();
      await Promise.all([prisma.$disconnect(), replica.$disconnect()]).catch(() => undefined);
      throw new StartupError(`DATABASE_READ_URL: cannot query the ledger on the read replica (${error.message.split("\n")[0]})`);
    });
  }
  // Appends (and checkpoints) go to the primary; audit queries and the auditors' API read the replica.
  const audit = replica ? new ReadReplicaAuditLog(ledger.audit, new PrismaAuditLog(replica)) : ledger.audit;
  const reader = replica ? new PostgresLedgerReader(replica) : ledger.reader;
  const checkpointer = ledger.checkpointer;
  const revocations = await RedisRevocationFeed.start(redis);
  return {
    tokens: new RedisTokenStore(redis),
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
      await Promise.all([prisma.$disconnect(), replica?.$disconnect()]);
    },
  };
}

async function devStores(config: Config, clock: Clock, signer: CheckpointSigner, logger: Logger): Promise<Stores> {
  const postgres = await startEmbeddedPostgres(join(config.dataDir, "pgdata"));
  await migrate(postgres.url, config.migrationsDir);
  const prisma = createPrismaClient(postgres.url, 1);
  const { audit, reader, checkpointer } = createLedger(prisma, signer, checkpointOptions(config), logger, 1);
  const tokens = new MemoryTokenStore(clock);
  const replay = new MemoryReplayGuard(clock);
  const revocations = new MemoryRevocationFeed(clock);
  return {
    tokens,
    replay,
    counter: new MemoryWindowCounter(clock),
    audit,
    revocations,
    ledger: reader,
    checkpoint: () => checkpointer.checkpoint(),
    suspensions: new MemorySuspensionStore(clock),
    approvals: new MemoryApprovalStore(clock),
    secrets: new PrismaSecretStore(prisma),
    roles: new PrismaRoleRegistry(prisma),
    readiness: { postgres: () => audit.ping() },
    description: `in-memory token store + embedded PostgreSQL (PGlite) in ${join(config.dataDir, "pgdata")}`,
    async close() {
      await checkpointer.stop().catch(() => undefined);
      tokens.close();
      replay.close();
      await revocations.close();
      await prisma.$disconnect();
      await postgres.stop();
    },
  };
}
