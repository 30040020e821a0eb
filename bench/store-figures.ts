import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { AuditEvent } from "../src/domain/audit/audit-event";
import { PgAuditLog } from "../src/stores/postgres/pg-audit-log";
import { createDatabase } from "../src/stores/postgres/prisma-client";
import { RedisTokenStore } from "../src/stores/redis/redis-token-store";
import { freePort } from "./processes";
import { adminQuery, benchRedisPrefix, deleteRedisKeys, type BenchDatabase } from "./services";

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);

/**
 * Bytes of Redis memory per live credential: `count` credentials stored through
 * RedisTokenStore (as issuance stores them) into a private redis-server of the
 * harness's own, so nobody else's keys move the figure; keys deleted, server stopped.
 */
export async function redisBytesPerCredential(count: number): Promise<{ bytes: number; server: string }> {
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  try {
    let redis: Redis | undefined;
    for (let i = 0; i < 50 && !redis; i++) {
      await sleep(100);
      const candidate = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
      redis = await candidate.connect().then(
        () => candidate,
        () => void candidate.disconnect(),
      );
    }
    if (!redis) throw new Error("private redis-server did not start");
    const prefix = benchRedisPrefix();
    const prefixed = new Redis({ port, host: "127.0.0.1", keyPrefix: prefix });
    const store = new RedisTokenStore(prefixed);
    const before = await usedMemory(redis);
    for (let i = 0; i < count; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, count - i) }, () =>
          store.put(
            crypto.randomUUID(),
            { agent: `agent-${i % 300}`, scope: "crm:read", resource: `crm:tenants/t${i % 40}/doc-${i % 997}`, usesLeft: null },
            600_000,
          ),
        ),
      );
    }
    const after = await usedMemory(redis);
    const version = /redis_version:(\S+)/.exec(await redis.info("server"))![1];
    prefixed.disconnect();
    await deleteRedisKeys(prefix, `redis://127.0.0.1:${port}`);
    redis.disconnect();
    return { bytes: (after - before) / count, server: `redis ${version}` };
  } finally {
    server.kill("SIGTERM");
  }
}

/** Audit events appended (durably committed) per second by `concurrency` concurrent appenders through the group-committing ledger. */
export async function auditAppendRate(ms: number, database: BenchDatabase, concurrency = 64): Promise<number> {
  const db = createDatabase(database.url);
  const audit = new PgAuditLog(db.pool);
  await Promise.all(Array.from({ length: 10 }, () => audit.ping())); // open the pool's connections before timing
  const event = (i: number): AuditEvent => ({
    occurredAt: new Date(),
    type: "issued",
    decision: "allow",
    environment: "production",
    agent: `agent-${i % 300}`,
    scope: "crm:read",
    resource: `crm:tenants/t${i % 40}/doc-${i % 997}`,
    audience: "https://crm.production.example.com",
    jti: crypto.randomUUID(),
    policyVersion: "sha256:bench",
    requestId: crypto.randomUUID(),
    clientIp: "127.0.0.1",
    detail: { ttl: 300, max_uses: null },
  });
  let count = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await audit.append(event(count++));
    }),
  );
  const rate = count / ((performance.now() - start) / 1000);
  await db.close();
  return rate;
}

/** Fills the ledger with `rows` events in one statement (for the flat-cost check). */
export async function fillLedger(database: BenchDatabase, rows: number): Promise<void> {
  await adminQuery(
    // Numbered after the last seq like the append path (gapless), with placeholder leaf hashes: these rows
    // exist to make the tables and indexes large, not to be verified.
    // Under the ledger's append lock (one implicit transaction), so no replica's commit can take these seqs.
    `SELECT pg_advisory_xact_lock(726374);
     INSERT INTO audit_events (seq, occurred_at, type, decision, environment, agent, scope, resource, audience, jti, policy_version, request_id, client_ip, detail, leaf_hash)
     SELECT last.seq + g, now(), 'issued', 'allow', 'production', 'agent-' || (g % 300), 'crm:read', 'crm:tenants/t' || (g % 40) || '/doc-' || g, 'https://crm.production.example.com',
            gen_random_uuid()::text, 'sha256:bench', gen_random_uuid()::text, '127.0.0.1', '{"ttl":300}'::jsonb, decode(md5(g::text) || md5(g::text), 'hex')
       FROM generate_series(1, ${rows}) AS g, (SELECT coalesce(max(seq), 0) AS seq FROM audit_events) AS last`,
    database.url,
  );
  await adminQuery("VACUUM ANALYZE audit_events", database.url);
}
