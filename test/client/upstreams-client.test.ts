import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "pg";
import { Locksmith, PermissionDenied } from "@locksmith/client";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { exampleKey } from "../support/principals";
import { POSTGRES_ADMIN_URL } from "../support/services";
import { startUpstreamWorld, type UpstreamWorld } from "../support/upstream-world";

// The SDK's Token B calls against a running Locksmith: proxyFetch through the egress proxy,
// databaseCredential with a login of its own, upstreamToken refused until connected accounts exist.

let world: UpstreamWorld;
let server: Server;
let locksmith: Locksmith;
beforeAll(async () => {
  world = await startUpstreamWorld();
  server = world.sut.locksmith.http.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  locksmith = new Locksmith({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issuer: TEST_ISSUER,
    agent: "support-agent",
    key: exampleKey("support-agent"),
  });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await world?.close();
});

async function roleExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

test("proxyFetch calls the upstream through Locksmith, the agent never holding its key", async () => {
  const res = await locksmith.proxyFetch({ scope: "crm:read", resource: "crm-api:customers/42" }, "/customers/42");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ id: "42", name: "Ada" });
  expect(world.upstream.seen.at(-1)!.headers["x-api-key"]).toBe(world.upstream.key);
});

test("proxyFetch gets Locksmith's own 403 for an operation outside the scope, and the upstream sees nothing", async () => {
  const before = world.upstream.seen.length;
  const res = await locksmith.proxyFetch({ scope: "crm:read", resource: "crm-api:customers/42" }, "/customers/42", { method: "DELETE" });
  expect(res.status).toBe(403);
  expect(((await res.json()) as { reason: string }).reason).toBe("operation_not_covered");
  expect(world.upstream.seen.length).toBe(before);
});

test("databaseCredential hands the task a login that reads, and drops the role when the task is done", async () => {
  let username = "";
  const rows = await locksmith.databaseCredential({ scope: "db:read", resource: "app-db:app" }, async (login) => {
    username = login.username;
    const client = new Client({ connectionString: login.connectionString });
    await client.connect();
    try {
      return (await client.query("SELECT id FROM app.customers ORDER BY id")).rows;
    } finally {
      await client.end();
    }
  });
  expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
  expect(username.startsWith(world.rolePrefix)).toBe(true);
  expect(await roleExists(username)).toBe(false);
});

test("upstreamToken without a person to act for is refused with requires_user, and the task never runs", async () => {
  let ran = false;
  const error = await locksmith.upstreamToken({ scope: "repo:read", resource: "github:repos/acme/api" }, async () => (ran = true)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PermissionDenied);
  expect((error as PermissionDenied).reason).toBe("requires_user");
  expect(ran).toBe(false);
});
