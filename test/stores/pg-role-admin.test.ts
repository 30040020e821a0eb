import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { PgRoleAdmin } from "../../src/stores/upstreams/pg-role-admin";
import { startPrivatePostgres, type PrivateStore } from "../support/private-stores";

// PgRoleAdmin against a private PostgreSQL that checks passwords (SCRAM-SHA-256 on TCP), as a
// production server does: the password handed out is the one that logs in, and nothing else does.

jest.setTimeout(60_000);

let server: PrivateStore;
const admin = new PgRoleAdmin();
beforeAll(async () => {
  server = await startPrivatePostgres({ password: "admin-password" });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  await client.query("CREATE SCHEMA app; CREATE TABLE app.t (id int); INSERT INTO app.t VALUES (1)");
  await client.end();
});
afterAll(() => server?.stop());

const login = (user: string, password: string) => {
  const client = new Client({ host: "127.0.0.1", port: server.port, database: "postgres", user, password });
  client.on("error", () => undefined);
  return client.connect().then(
    async () => {
      const rows = (await client.query("SELECT id FROM app.t")).rows;
      await client.end();
      return rows;
    },
    (error: Error) => error,
  );
};

test("the role logs in with the password it was created with, and not with another", async () => {
  const name = `lsmtest_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(24).toString("base64url");
  await admin.create(server.url, { name, password, validUntil: new Date(Date.now() + 60_000), grants: [{ schema: "app", privileges: ["SELECT"] }] });

  expect(await login(name, password)).toEqual([{ id: 1 }]);
  expect(await login(name, `${password}x`)).toBeInstanceOf(Error);
  await admin.drop(server.url, name);
  expect(await login(name, password)).toBeInstanceOf(Error);
});

test("a role past its VALID UNTIL cannot log in even before the reaper drops it, and the prefix scan finds it", async () => {
  const name = `lsmold_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(24).toString("base64url");
  await admin.create(server.url, { name, password, validUntil: new Date(Date.now() - 1000), grants: [] });

  expect(await login(name, password)).toBeInstanceOf(Error);
  expect(await admin.expiredWithPrefix(server.url, "lsmold_", new Date())).toEqual([name]);
  expect(await admin.expiredWithPrefix(server.url, "lsmold_", new Date(Date.now() - 60_000))).toEqual([]);
  await admin.drop(server.url, name);
  await admin.drop(server.url, name);
  expect(await admin.expiredWithPrefix(server.url, "lsmold_", new Date())).toEqual([]);
});

test("a role may hold only a few connections at once, so one credential cannot exhaust the server's max_connections", async () => {
  const name = `lsmconn_${randomBytes(4).toString("hex")}`;
  await admin.create(server.url, { name, password: randomBytes(24).toString("base64url"), validUntil: new Date(Date.now() + 60_000), grants: [] });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [name]);
    expect(rows[0].rolconnlimit).toBeGreaterThan(0);
    expect(rows[0].rolconnlimit).toBeLessThanOrEqual(10);
  } finally {
    await client.end();
    await admin.drop(server.url, name);
  }
});
