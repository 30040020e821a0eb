import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "pg";

/**
 * Applies `prisma/migrations/<stamp>_<name>/migration.sql` in order and
 * records each in Prisma's own `_prisma_migrations` table (same columns, same
 * SHA-256 checksum), so `prisma migrate deploy` agrees with what we did where
 * Prisma's native schema engine is available. We run the SQL ourselves because
 * that engine cannot be downloaded everywhere (and the ledger's triggers are
 * SQL anyway). Safe to run from several replicas at once: an advisory lock
 * serialises them. Returns the names of the migrations it applied.
 */
export async function migrate(connectionString: string, migrationsDir: string): Promise<string[]> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(726373)");
    await client.query(CREATE_MIGRATIONS_TABLE);
    const done = new Map(
      (
        await client.query<{ migration_name: string; checksum: string }>(
          "SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
        )
      ).rows.map((row) => [row.migration_name, row.checksum]),
    );
    const applied: string[] = [];
    for (const name of (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      const sql = await readFile(join(migrationsDir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const known = done.get(name);
      if (known !== undefined) {
        if (known !== checksum) throw new Error(`migration ${name} was changed after it was applied (checksum mismatch)`);
        continue;
      }
      await apply(client, name, sql, checksum);
      applied.push(name);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock(726373)").catch(() => undefined);
    await client.end();
  }
}

async function apply(client: Client, name: string, sql: string, checksum: string): Promise<void> {
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    await client.query("INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())", [id, checksum, name]);
    await client.query(sql);
    await client.query("UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1", [id]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw new Error(`migration ${name} failed: ${(error as Error).message}`);
  }
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;
