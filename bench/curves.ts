import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { proveConsistency, proveInclusion } from "../src/domain/audit/ledger-proofs";
import { decide } from "../src/domain/policy/decide";
import { loadPolicyFile } from "../src/domain/policy/load-policy";
import { loadLedgerKey, writeNewLedgerKey } from "../src/stores/keys/ledger-key-file";
import { createLedger } from "../src/stores/postgres/ledger-stores";
import { createDatabase } from "../src/stores/postgres/prisma-client";
import { RedisTokenStore } from "../src/stores/redis/redis-token-store";
import { createLogger } from "../src/telemetry/logger";
import { generateBundle, SERVICES } from "./bundle";
import { benchRedisPrefix, createBenchDatabase, deleteRedisKeys, REDIS_URL } from "./services";
import { fillLedger } from "./store-figures";

// The scaling curves of issue 16: cost that the design says is flat should measure flat.

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Median of `runs` timings of `run`, in ms. */
async function medianMs(run: () => unknown, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(msSince(start));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Bundle of `agents` agents: load (parse, validate, compile, import every key) time, and one decision's time, as the server makes it. */
export async function bundleCurve(sizes: readonly number[]): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const agents of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-bundle-"));
    try {
      const bundle = generateBundle(dir, { agents, roles: 40 });
      const start = process.hrtime.bigint();
      const policy = await loadPolicyFile(bundle.file);
      figures[`bundle of ${agents.toLocaleString("en-US")} agents: load ms`] = msSince(start);
      const agent = bundle.agents[agents - 1];
      const compiled = policy.agents.get(agent.id)!;
      const role = agent.roles[0];
      const request = { scopes: [`${SERVICES[role % SERVICES.length]}:read`], resource: `${SERVICES[role % SERVICES.length]}:tenants/t${role}/doc-1` };
      const runs = 20_000;
      const decisions = process.hrtime.bigint();
      for (let i = 0; i < runs; i++) decide(policy, compiled, request);
      figures[`bundle of ${agents.toLocaleString("en-US")} agents: decision µs`] = (msSince(decisions) * 1000) / runs;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return figures;
}

/** Stores `count` live credentials of `agent` through RedisTokenStore (as issuance stores them) under `prefix`. */
export async function fillLiveCredentials(prefix: string, count: number, agent = (i: number) => `agent-${i % 300}`): Promise<void> {
  const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
  const store = new RedisTokenStore(redis);
  try {
    for (let i = 0; i < count; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, count - i) }, (_, j) =>
          store.put(
            crypto.randomUUID(),
            {
              agent: agent(i + j),
              environment: "production",
              scope: "crm:read",
              resource: `crm:tenants/t${(i + j) % 40}/doc-${(i + j) % 997}`,
              usesLeft: null,
            },
            900_000,
          ),
        ),
      );
    }
  } finally {
    redis.disconnect();
  }
}

/** Revoking every credential of one agent that holds `live` live credentials: one revokeSubject call, timed. */
export async function revocationCurve(live: number): Promise<Record<string, number>> {
  const prefix = benchRedisPrefix();
  try {
    await fillLiveCredentials(prefix, live, () => "agent-revoked");
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    try {
      const store = new RedisTokenStore(redis);
      const start = process.hrtime.bigint();
      const revoked = await store.revokeSubject({ kind: "agent", id: "agent-revoked" }, Date.now());
      const ms = msSince(start);
      return { [`revoke an agent with ${live.toLocaleString("en-US")} live credentials: ms (${revoked.toLocaleString("en-US")} revoked)`]: ms };
    } finally {
      redis.disconnect();
    }
  } finally {
    await deleteRedisKeys(prefix);
  }
}

/** Inclusion and consistency proofs (median of 50 each) over a ledger of `events` events, after one signed checkpoint stored its subtree roots. */
export async function proofCurve(events: number): Promise<{ inclusionMs: number; consistencyMs: number }> {
  const database = await createBenchDatabase();
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-proofs-"));
  const db = createDatabase(database.url);
  try {
    await fillLedger(database, events);
    await writeNewLedgerKey(join(dir, "ledger-key.json"), "locksmith.bench/audit");
    const ledger = createLedger(db, await loadLedgerKey(join(dir, "ledger-key.json")), { everyEvents: 1e9, everyMs: 3_600_000 }, createLogger("silent"));
    try {
      await ledger.checkpointer.checkpoint();
      const last = Number(await ledger.reader.lastSeq());
      const random = (below: number) => 1 + Math.floor(Math.random() * below);
      return {
        inclusionMs: await medianMs(() => proveInclusion(ledger.reader, random(last)), 50),
        consistencyMs: await medianMs(() => proveConsistency(ledger.reader, random(last - 1), last), 50),
      };
    } finally {
      await ledger.checkpointer.stop();
    }
  } finally {
    await db.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
