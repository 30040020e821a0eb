// npm run bench:ledger — durable append throughput and query latency of the audit ledger.
// Needs the build (dist/) and PostgreSQL (BENCH_POSTGRES_URL, default the test server on loopback).
// Creates its own database, drops it afterwards. BENCH_APPEND events go through the real durable append path
// (default 50000, measured); the ledger is then filled to BENCH_EVENTS (default 1000000) by one bulk SQL
// INSERT, for the query latencies only (those rows' leaf hashes are placeholders). BENCH_CONCURRENCY (default 256).
"use strict";
const { randomBytes, randomUUID } = require("node:crypto");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join, resolve } = require("node:path");
const { Client } = require("pg");
const dist = (p) => require(resolve(__dirname, "..", "..", "dist", p));
const { migrate } = dist("stores/postgres/migrate.js");
const { createDatabase } = dist("stores/postgres/prisma-client.js");
const { createLedger } = dist("stores/postgres/ledger-stores.js");
const { loadLedgerKey, writeNewLedgerKey } = dist("stores/keys/ledger-key-file.js");
const { proveConsistency, proveInclusion } = dist("domain/audit/ledger-proofs.js");
const { traceCredential } = dist("domain/audit/trace-credential.js");
const { createLogger } = dist("telemetry/logger.js");

const ADMIN = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const APPEND = Number(process.env.BENCH_APPEND ?? 50_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);

async function main() {
  const name = `locksmith_bench_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  let db;
  try {
    await migrate(url.toString(), resolve(__dirname, "..", "..", "prisma", "migrations"));
    db = createDatabase(url.toString());
    const [{ synchronous_commit }] = await db.prisma.$queryRawUnsafe("SHOW synchronous_commit");
    await writeNewLedgerKey(join(dir, "k.json"), "bench/audit");
    const signer = await loadLedgerKey(join(dir, "k.json"));
    const { audit, reader, checkpointer } = createLedger(db, signer, { everyEvents: 10_000, everyMs: 5_000 }, createLogger("silent"));

    console.log(
      `ledger bench: ${APPEND} appended events, ${CONCURRENCY} concurrent appenders, synchronous_commit=${synchronous_commit}, node ${process.version}`,
    );
    const jtis = [];
    let next = 0;
    const started = process.hrtime.bigint();
    let lastReport = started;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < APPEND) {
          const i = next++;
          const jti = randomUUID();
          if (i % 1000 === 0) jtis.push(jti);
          await audit.append(eventOf(i, jti)); // resolves only after its commit
          const now = process.hrtime.bigint();
          if (now - lastReport > 10_000_000_000n) {
            lastReport = now;
            console.log(`  … ${i} events, ${rate(i, started, now)} events/s`);
          }
        }
      }),
    );
    const appendSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`append: ${APPEND} durable events in ${appendSeconds.toFixed(1)} s = ${Math.round(APPEND / appendSeconds)} events/s`);
    await checkpointer.checkpoint();
    await checkpointer.stop();
    if (EVENTS > APPEND) {
      const t = Date.now();
      // A plain client: the bulk seed outlasts the service's 5 s statement timeout.
      const seeder = new Client({ connectionString: url.toString() });
      await seeder.connect();
      await seeder.query(SEED, [APPEND, EVENTS]);
      await seeder.query("ANALYZE audit_events");
      await seeder.end();
      console.log(`seeded seq ${APPEND + 1}..${EVENTS} by bulk SQL in ${((Date.now() - t) / 1000).toFixed(1)} s (query latency only)`);
    }

    // Sign a checkpoint over the seeded events: it builds the stored subtree roots that proofs read.
    const signing = process.hrtime.bigint();
    await checkpointer.checkpoint();
    console.log(`checkpoint over the seeded ledger (builds subtree roots) in ${(Number(process.hrtime.bigint() - signing) / 1e9).toFixed(1)} s`);
    const last = Number(await reader.lastSeq());
    const queries = {
      "get one event by seq": () => reader.get(BigInt(1 + Math.floor(Math.random() * last))),
      "page of 100, no filter, deep cursor": () => reader.page({}, BigInt(Math.floor(Math.random() * (last - 100))), 100),
      "page of 100 by agent": () => reader.page({ agent: `agent-${Math.floor(Math.random() * 50)}` }, 0n, 100),
      "page of 100 by agent + type=denied": () => reader.page({ agent: `agent-${Math.floor(Math.random() * 50)}`, type: "denied" }, 0n, 100),
      "page of 100 by environment + decision": () => reader.page({ environment: "staging", decision: "deny" }, 0n, 100),
      "page of 100 by scope": () => reader.page({ scope: "crm:note" }, 0n, 100),
      "by resource": () => reader.page({ resource: `crm:customers/${Math.floor(Math.random() * 10000)}` }, 0n, 100),
      "by jti": () => reader.page({ jti: jtis[Math.floor(Math.random() * jtis.length)] }, 0n, 100),
      "trace of a jti": () => traceCredential(reader, jtis[Math.floor(Math.random() * jtis.length)], new Date()),
      "time range, 1 minute": () => reader.page({ from: new Date(BASE + 3_600_000), to: new Date(BASE + 3_660_000) }, 0n, 100),
      "latest checkpoint": () => reader.checkpoint(),
    };
    console.log(`query latency at ${last} events (ms, 50 runs each):`);
    for (const [label, run] of Object.entries(queries)) console.log(`  ${label.padEnd(40)} ${await latency(run, 50)}`);
    console.log(
      `  ${"inclusion proof (stored subtree roots)".padEnd(40)} ${await latency(() => proveInclusion(reader, 1 + Math.floor(Math.random() * last)), 50)}`,
    );
    console.log(
      `  ${"consistency proof (stored subtree roots)".padEnd(40)} ${await latency(() => proveConsistency(reader, 1 + Math.floor(Math.random() * (last - 1)), last), 50)}`,
    );
  } finally {
    await db?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const BASE = Date.UTC(2026, 10, 21);
// The same distribution as eventOf(), generated in SQL.
const SEED = `
INSERT INTO audit_events (seq, occurred_at, type, decision, environment, agent, scope, resource, audience, jti, rule, policy_version, request_id, client_ip, detail, leaf_hash)
SELECT i, timestamptz '2026-11-21T00:00:00Z' + i * interval '10 milliseconds',
  (ARRAY['issued','issued','redeemed','redeemed','redeemed','denied','revoked','redeem_rejected'])[1 + (i - 1) % 8],
  CASE WHEN (i - 1) % 8 IN (5, 7) THEN 'deny' ELSE 'allow' END,
  CASE WHEN (i - 1) % 5 = 0 THEN 'staging' ELSE 'production' END,
  'agent-' || ((i - 1) % 50),
  CASE WHEN (i - 1) % 3 = 0 THEN 'crm:read crm:note' ELSE 'crm:read' END,
  'crm:customers/' || ((i - 1) % 10000),
  'https://crm.example.com', md5(i::text), 'roles.customer-service-tier-1.grants[0]', 'sha256:bench', md5('r' || i), '10.0.0.7',
  '{"ttl":300,"max_uses":null}'::jsonb, sha256(int8send(i))
FROM generate_series($1::bigint + 1, $2::bigint) AS i`;
const TYPES = ["issued", "issued", "redeemed", "redeemed", "redeemed", "denied", "revoked", "redeem_rejected"];
function eventOf(i, jti) {
  const type = TYPES[i % TYPES.length];
  return {
    type,
    decision: type === "denied" || type === "redeem_rejected" ? "deny" : "allow",
    occurredAt: new Date(BASE + i * 10),
    environment: i % 5 === 0 ? "staging" : "production",
    agent: `agent-${i % 50}`,
    scope: i % 3 === 0 ? "crm:read crm:note" : "crm:read",
    resource: `crm:customers/${i % 10000}`,
    audience: "https://crm.example.com",
    jti,
    rule: "roles.customer-service-tier-1.grants[0]",
    policyVersion: "sha256:5f0c2d5e0a7b4e6f8a1c3d2b9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
    requestId: randomUUID(),
    clientIp: "10.0.0.7",
    detail: { ttl: 300, max_uses: null },
  };
}

const rate = (n, from, to) => Math.round(n / (Number(to - from) / 1e9));

async function latency(run, times) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
  return `p50 ${at(0.5)}  p95 ${at(0.95)}  max ${ms[ms.length - 1].toFixed(1)}`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
