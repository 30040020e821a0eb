import { Client } from "pg";
import request from "supertest";
import { expectError, requestIdOf } from "../support/locksmith-api";
import { POSTGRES_ADMIN_URL } from "../support/services";
import { startUpstreamWorld, type UpstreamWorld } from "../support/upstream-world";

// Dynamic PostgreSQL credentials (kind postgres) against the real server: a fresh login role per
// credential with only its scope's privileges, VALID UNTIL its expiry; revocation and every kill
// switch end its sessions and drop it at once; the reaper drops it after expiry.

let world: UpstreamWorld;
const clients: Client[] = [];
beforeAll(async () => {
  world = await startUpstreamWorld();
});
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await world?.close();
});

interface DatabaseBody {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

async function databaseCredential(agent: "support-agent" | "staging-deploy-agent" = "support-agent", body: object = {}) {
  const res = await world.api.issue(agent, { scope: "db:read", resource: "app-db:app", ...body });
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status} ${res.text}`);
  world.api.secrets.push(res.body.database.password);
  return { res, jti: res.body.jti as string, database: res.body.database as DatabaseBody };
}

async function connectAs(login: DatabaseBody): Promise<Client> {
  const client = new Client({ host: login.host, port: login.port, database: login.database, user: login.username, password: login.password });
  client.on("error", () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

async function roleRow(name: string): Promise<{ rolname: string; rolvaliduntil: Date; rolcanlogin: boolean } | undefined> {
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query("SELECT rolname, rolvaliduntil, rolcanlogin FROM pg_roles WHERE rolname = $1", [name])).rows[0];
  } finally {
    await admin.end();
  }
}

/** Polls until `check` holds, at most `withinMs` (a bounded wait, not a timing assertion). */
async function eventually(check: () => Promise<boolean>, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sessionEnded = (client: Client) => () =>
  client.query("SELECT 1").then(
    () => false,
    () => true,
  );

test("a db:read credential is a fresh login role, valid until the credential expires, that can SELECT", async () => {
  const { res, database } = await databaseCredential();

  expect(database).toMatchObject({ host: "127.0.0.1", port: 5432, database: world.appDb.name });
  expect(database.username.startsWith(world.rolePrefix)).toBe(true);
  expect(database.password.length).toBeGreaterThanOrEqual(32);
  const role = await roleRow(database.username);
  expect(role?.rolcanlogin).toBe(true);
  expect(role?.rolvaliduntil.toISOString()).toBe(new Date(res.body.expires_at).toISOString());

  const client = await connectAs(database);
  expect((await client.query("SELECT name FROM app.customers ORDER BY id")).rows).toEqual([{ name: "Ada" }, { name: "Grace" }]);
});

test("it cannot DROP, DELETE, UPDATE, INSERT or create anything", async () => {
  const { database } = await databaseCredential();
  const client = await connectAs(database);
  for (const sql of [
    "DROP TABLE app.customers",
    "DELETE FROM app.customers",
    "UPDATE app.customers SET name = 'x'",
    "INSERT INTO app.customers VALUES (3, 'Eve')",
    "CREATE TABLE public.evil (id int)",
    "TRUNCATE app.customers",
  ]) {
    await expect(client.query(sql)).rejects.toThrow(/permission denied|must be owner/);
  }
  expect((await client.query("SELECT count(*)::int AS n FROM app.customers")).rows[0].n).toBe(2);
});

test("the ledger records the issuance with the upstream and role, never the password", async () => {
  const { res, jti, database } = await databaseCredential();
  const row = (await world.api.ledger({ requestId: requestIdOf(res) }))[0];
  expect(row).toMatchObject({
    type: "issued",
    jti,
    agent: "support-agent",
    resource: "app-db:app",
    audience: "urn:locksmith:upstream:app-db",
    detail: { upstream: "app-db", db_role: database.username },
  });
  expect(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(database.password);
});

test("revoking the credential ends its open session within a bounded wait and drops the role", async () => {
  const { jti, database } = await databaseCredential();
  const client = await connectAs(database);
  expect((await client.query("SELECT 1 AS one")).rows[0].one).toBe(1);

  const res = await world.api.revoke("support-agent", jti);

  expect(res.status).toBe(204);
  expect(await eventually(sessionEnded(client), 1000)).toBe(true);
  expect(await roleRow(database.username)).toBeUndefined();
  const dropped = await world.api.ledger({ type: "upstream_role_dropped", jti });
  expect(dropped).toHaveLength(1);
  expect(dropped[0]).toMatchObject({
    reason: "revoked",
    agent: "support-agent",
    requestId: requestIdOf(res),
    detail: { upstream: "app-db", db_role: database.username },
  });
});

test("the reaper drops the role once the credential expires", async () => {
  // No check that the role exists first: on a loaded machine the second may be over before we look (the first test shows it does).
  const { jti, database } = await databaseCredential("support-agent", { ttl: 1 });
  expect(await eventually(async () => (await roleRow(database.username)) === undefined, 20_000)).toBe(true);
  expect(await eventually(async () => (await world.api.ledger({ type: "upstream_role_dropped", jti })).length === 1, 20_000)).toBe(true);
  expect((await world.api.ledger({ type: "upstream_role_dropped", jti }))[0]).toMatchObject({
    reason: "expired",
    agent: "support-agent",
    detail: { db_role: database.username },
  });
});

test("a staging agent cannot get a production database credential, and gets a staging one", async () => {
  expectError(await world.api.issue("staging-deploy-agent", { scope: "db:read", resource: "app-db:app" }), 403, "permission_denied", {
    reason: "environment_wall",
  });
  const staging = await world.api.issue("staging-deploy-agent", { scope: "db:read", resource: "staging-db:app" });
  expect(staging.status).toBe(201);
  world.api.secrets.push(staging.body.database.password);
});

test("each kill switch (user, environment, agent) ends the sessions and drops the roles of its credentials", async () => {
  const mary = await world.corp.token("mary", { scope: "db:read" });
  const forMary = await databaseCredential("support-agent", { on_behalf_of: mary });
  const staging = await world.api.issued("staging-deploy-agent", { scope: "db:read", resource: "staging-db:app" });
  const stagingLogin = (staging as unknown as { database: DatabaseBody }).database;
  const plain = await databaseCredential();
  const sessions = [await connectAs(forMary.database), await connectAs(stagingLogin), await connectAs(plain.database)];
  const kill = async (subject: object) =>
    request(world.sut.locksmith.http)
      .post("/v1/revocations")
      .set(await world.api.headers("security-oncall"))
      .send(subject);

  expect((await kill({ user: "mary" })).status).toBe(200);
  expect(await eventually(sessionEnded(sessions[0]), 1000)).toBe(true);
  expect(await roleRow(forMary.database.username)).toBeUndefined();
  expect(await roleRow(plain.database.username)).toBeDefined();

  expect((await kill({ environment: "staging" })).status).toBe(200);
  expect(await eventually(sessionEnded(sessions[1]), 1000)).toBe(true);
  expect(await roleRow(stagingLogin.username)).toBeUndefined();

  expect((await kill({ agent: "support-agent" })).status).toBe(200);
  expect(await eventually(sessionEnded(sessions[2]), 1000)).toBe(true);
  expect(await roleRow(plain.database.username)).toBeUndefined();
  expect((await world.api.ledger({ type: "upstream_role_dropped", jti: forMary.jti }))[0]).toMatchObject({
    user: "mary",
    agent: "support-agent",
    reason: "revoked",
  });
});

test("POST /oauth/token (client_credentials) for a database upstream hands out the login with the token", async () => {
  const res = await request(world.sut.locksmith.http)
    .post("/oauth/token")
    .type("form")
    .send({
      grant_type: "client_credentials",
      scope: "db:read",
      resource: "app-db:app",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: (await world.api.headers("support-agent")).authorization.slice("Bearer ".length),
    });
  expect(res.status).toBe(200);
  world.api.secrets.push(res.body.database.password);
  const client = await connectAs(res.body.database);
  expect((await client.query("SELECT count(*)::int AS n FROM app.customers")).rows[0].n).toBe(2);
});

test("suspending the agent ends its database sessions and drops its roles at once", async () => {
  const { database } = await databaseCredential();
  const session = await connectAs(database);
  const admin = async () => world.api.headers("security-oncall");

  expect(
    (
      await request(world.sut.locksmith.http)
        .post("/v1/agents/support-agent/suspend")
        .set(await admin())
        .send({ reason: "runaway" })
    ).status,
  ).toBe(200);
  try {
    expect(await eventually(sessionEnded(session), 1000)).toBe(true);
    expect(await roleRow(database.username)).toBeUndefined();
  } finally {
    await request(world.sut.locksmith.http)
      .post("/v1/agents/support-agent/resume")
      .set(await admin())
      .send({});
  }
});

test("the orphan scan drops only roles Locksmith names, never another expired role that shares the prefix (nor what it owns)", async () => {
  // A person's or an application's role whose password expired, named like the prefix by accident: DROP OWNED BY would take its tables.
  const bystander = `${world.rolePrefix}owner`;
  const admin = new Client({ connectionString: world.appDb.url });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE "${bystander}" LOGIN VALID UNTIL '2000-01-01'`);
    await admin.query(`CREATE TABLE app.precious (id int); ALTER TABLE app.precious OWNER TO "${bystander}"`);
    await world.sut.locksmith.databaseCredentials.reap();
    expect(await roleRow(bystander)).toMatchObject({ rolname: bystander });
    expect((await admin.query("SELECT to_regclass('app.precious') AS t")).rows[0].t).toBe("app.precious");
  } finally {
    await admin.query(`DROP TABLE IF EXISTS app.precious; DROP ROLE IF EXISTS "${bystander}"`).catch(() => undefined);
    await admin.end();
  }
});
