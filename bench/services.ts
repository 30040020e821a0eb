import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { Client } from "pg";
import { migrate } from "../src/stores/postgres/migrate";

/** The shared services on loopback; the harness only ever touches its own database and key prefix. */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
export const PACKAGE_ROOT = resolve(__dirname, "..", "..");
export const MIGRATIONS_DIR = resolve(PACKAGE_ROOT, "prisma", "migrations");

export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the harness's own, dropped at the end. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `locksmith_bench_${randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString(), MIGRATIONS_DIR);
  return { url: url.toString(), drop: async () => void (await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

export async function adminQuery(sql: string, url = POSTGRES_ADMIN_URL): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

export const benchRedisPrefix = () => `locksmith-bench:${randomBytes(5).toString("hex")}:`;

/** Deletes exactly the keys under `prefix` (SCAN + DEL, never FLUSH: others share this Redis). */
export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
