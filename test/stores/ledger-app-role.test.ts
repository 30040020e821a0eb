import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "../support/services";

/**
 * The application role `locksmith_app` (created by the migrations) holds
 * INSERT and SELECT only. Checked as that role via SET ROLE, with and without
 * session_replication_role = replica (the usual way around triggers).
 */
describe("the locksmith_app role", () => {
  let database: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(`INSERT INTO audit_events (seq, occurred_at, type, decision) VALUES (1, now(), 'issued', 'allow')`);
    await client.query(`INSERT INTO audit_checkpoints (size, root, note, frontier) VALUES (1, '\\x00', 'note', '\\x')`);
    await client.query(`INSERT INTO audit_subtrees (level, index, root) VALUES (4, 0, '\\x00')`);
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  const asApp = async (sql: string, replica = false) => {
    await client.query("BEGIN");
    try {
      if (replica) await client.query("SET LOCAL session_replication_role = replica");
      await client.query("SET LOCAL ROLE locksmith_app");
      return await client.query(sql);
    } finally {
      await client.query("ROLLBACK");
    }
  };

  for (const replica of [false, true]) {
    const mode = replica ? " with session_replication_role = replica" : "";
    for (const table of ["audit_events", "audit_checkpoints", "audit_subtrees"] as const) {
      const key = { audit_events: "seq", audit_checkpoints: "size", audit_subtrees: "level" }[table];
      test(`may INSERT and SELECT on ${table}${mode}`, async () => {
        const insert = {
          audit_events: `INSERT INTO audit_events (seq, occurred_at, type, decision) VALUES (2, now(), 'denied', 'deny')`,
          audit_checkpoints: `INSERT INTO audit_checkpoints (size, root, note, frontier) VALUES (2, '\\x00', 'n', '\\x')`,
          audit_subtrees: `INSERT INTO audit_subtrees (level, index, root) VALUES (4, 1, '\\x00')`,
        }[table];
        await expect(asApp(insert, replica)).resolves.toMatchObject({ rowCount: 1 });
        await expect(asApp(`SELECT * FROM ${table}`, replica)).resolves.toMatchObject({ rowCount: 1 });
      });
      test(`may not UPDATE, DELETE or TRUNCATE ${table}${mode}`, async () => {
        for (const sql of [`UPDATE ${table} SET ${key} = 9`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
          await expect(asApp(sql, replica)).rejects.toMatchObject({ code: "42501", message: expect.stringMatching(/permission denied/) });
        }
      });
    }
  }

  test("even the owner cannot UPDATE, DELETE or TRUNCATE while the ENABLE ALWAYS triggers stand, replica mode included", async () => {
    for (const replica of [false, true]) {
      for (const sql of [
        "UPDATE audit_checkpoints SET note = 'x'",
        "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_checkpoints",
        "UPDATE audit_events SET type = 'x'",
        "TRUNCATE audit_events",
        "DELETE FROM audit_subtrees",
        "TRUNCATE audit_subtrees",
      ]) {
        await client.query("BEGIN");
        if (replica) await client.query("SET LOCAL session_replication_role = replica");
        await expect(client.query(sql)).rejects.toMatchObject({ message: expect.stringMatching(/append-only/) });
        await client.query("ROLLBACK");
      }
    }
  });

  test("migrating a second database while the role exists leaves it as it was (idempotent)", async () => {
    const second = await createTestDatabase();
    try {
      const { rows } = await client.query("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'locksmith_app'");
      expect(rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);
    } finally {
      await second.drop();
    }
  });
});
