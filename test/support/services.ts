import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { Client } from "pg";
import { migrate } from "../../src/stores/postgres/migrate";

/**
 * Real services for tests: PostgreSQL and Redis on loopback (CI starts them).
 * A test that cannot reach them fails; nothing is skipped.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const MIGRATIONS_DIR = resolve(__dirname, "..", "..", "prisma", "migrations");

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh database of our own, migrated, dropped afterwards: no test sees another's rows. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `locksmith_test_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await migrate(url.toString(), MIGRATIONS_DIR);
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A Redis key prefix of our own, and a way to delete exactly the keys under it. */
export function testRedisPrefix(): string {
  return `locksmith-test:${randomBytes(6).toString("hex")}:`;
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
