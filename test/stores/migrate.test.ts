import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { migrate } from "../../src/stores/postgres/migrate";
import { createTestDatabase, MIGRATIONS_DIR, type TestDatabase } from "../support/services";

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

/** Every migration directory in the repo, with the SHA-256 of its migration.sql as Prisma computes it. */
async function shippedMigrations(dir = MIGRATIONS_DIR): Promise<{ name: string; checksum: string }[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      checksum: createHash("sha256")
        .update(await readFile(join(dir, name, "migration.sql")))
        .digest("hex"),
    })),
  );
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const recorded = (url: string) =>
  query<MigrationRow>(url, "SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name");

describe("migrate", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterEach(() => database?.drop());

  test("applies every migration to an empty database and creates the ledger", async () => {
    const shipped = await shippedMigrations();
    expect(shipped.length).toBeGreaterThan(0);
    expect(await migrate(database.url, MIGRATIONS_DIR)).toEqual(shipped.map((m) => m.name));
    expect(await query(database.url, `SELECT seq FROM audit_events LIMIT 0`)).toEqual([]);
  });

  test("records each migration as Prisma does: SHA-256 of migration.sql, finished, one step", async () => {
    await migrate(database.url, MIGRATIONS_DIR);
    const rows = await recorded(database.url);
    expect(rows.map(({ migration_name, checksum }) => ({ name: migration_name, checksum }))).toEqual(await shippedMigrations());
    for (const row of rows) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  test("is idempotent: a second run applies nothing and records nothing more", async () => {
    await migrate(database.url, MIGRATIONS_DIR);
    const before = await recorded(database.url);
    expect(await migrate(database.url, MIGRATIONS_DIR)).toEqual([]);
    expect(await recorded(database.url)).toEqual(before);
  });

  test("two concurrent runs both succeed and apply each migration once", async () => {
    const shipped = (await shippedMigrations()).map((m) => m.name);
    const runs = await Promise.all([migrate(database.url, MIGRATIONS_DIR), migrate(database.url, MIGRATIONS_DIR)]);
    expect(runs.flat().sort()).toEqual(shipped);
    expect((await recorded(database.url)).map((r) => r.migration_name)).toEqual(shipped);
  });

  test("refuses a migration that changed after it was applied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "locksmith-migrations-"));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(database.url, dir);
      const [first] = await shippedMigrations(dir);
      const file = join(dir, first.name, "migration.sql");
      await writeFile(file, `${await readFile(file, "utf8")}\n-- edited afterwards\n`);
      await expect(migrate(database.url, dir)).rejects.toThrow(/checksum mismatch/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("leaves a ledger that refuses UPDATE, DELETE and TRUNCATE", async () => {
    await migrate(database.url, MIGRATIONS_DIR);
    await query(database.url, `INSERT INTO audit_events (occurred_at, type, decision) VALUES (now(), 'issued', 'allow')`);
    for (const sql of [`UPDATE audit_events SET decision = 'deny'`, `DELETE FROM audit_events`, `TRUNCATE audit_events`]) {
      await expect(query(database.url, sql)).rejects.toThrow(/append-only/);
    }
    expect(await query(database.url, `SELECT decision FROM audit_events`)).toEqual([{ decision: "allow" }]);
  });
});
