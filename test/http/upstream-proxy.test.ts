import { once } from "node:events";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { expectError, requestIdOf } from "../support/locksmith-api";
import { startUpstreamWorld, type UpstreamWorld } from "../support/upstream-world";

// The API-key egress proxy: {issuer}/v1/proxy/{upstream}/{path} with a Locksmith credential for
// that upstream; method + path checked against its scopes before the upstream is called; the key
// injected, never echoed; one use spent through the redemption path; each call in the ledger.

let world: UpstreamWorld;
beforeAll(async () => {
  world = await startUpstreamWorld();
});
afterAll(() => world?.close());

const app = () => world.sut.locksmith.http;
const credential = async (scope: string, resource: string, extra: object = {}) =>
  (await world.api.issued("support-agent", { scope, resource, ...extra })).credential;
const proxy = (method: "get" | "post" | "delete" | "put", path: string, token: string) =>
  request(app())
    [method](`/v1/proxy${path}`)
    .set("authorization", `Bearer ${token}`)
    .set("x-request-id", `proxy-${Math.random().toString(36).slice(2)}`);
const reachedCount = () => world.upstream.seen.length;

test("an allowed method and path reach the upstream with its key, and the answer comes back", async () => {
  const token = await credential("crm:read", "crm-api:customers/42");
  const res = await proxy("get", "/crm-api/customers/42", token);

  expect(res.status).toBe(200);
  expect(res.body).toEqual({ id: "42", name: "Ada" });
  const seen = world.upstream.seen.at(-1)!;
  expect(seen).toMatchObject({ method: "GET", url: "/api/customers/42" });
  expect(seen.headers["x-api-key"]).toBe(world.upstream.key);
  // The agent's Locksmith credential stays with Locksmith.
  expect(seen.headers.authorization).toBeUndefined();
  expect(JSON.stringify(seen.headers)).not.toContain(token);
});

test("a DELETE under a read credential is a 403 from Locksmith, and the upstream never sees it", async () => {
  const token = await credential("crm:read", "crm-api:customers/42");
  const before = world.upstream.reached("DELETE").length;

  const res = await proxy("delete", "/crm-api/customers/42", token);

  expectError(res, 403, "permission_denied", { reason: "operation_not_covered" });
  expect(world.upstream.reached("DELETE").length).toBe(before);
  expect((await world.api.ledger({ requestId: requestIdOf(res) }))[0]).toMatchObject({
    type: "redeem_rejected",
    reason: "operation_not_covered",
    agent: "support-agent",
    actor: "crm-api",
    detail: { operation: "DELETE /customers/42", upstream: "crm-api" },
  });
});

test("a credential's resource narrows its paths: customers/42 does not reach customers/43", async () => {
  const token = await credential("crm:read", "crm-api:customers/42");
  const before = reachedCount();
  expectError(await proxy("get", "/crm-api/customers/43", token), 403, "permission_denied", { reason: "operation_not_covered" });
  expect(reachedCount()).toBe(before);
});

test("a write scope posts its body through", async () => {
  const token = await credential("crm:write", "crm-api:customers/42");
  const res = await proxy("post", "/crm-api/customers/42/notes", token).set("content-type", "text/plain").send("called about the refund");

  expect(res.status).toBe(201);
  expect(res.body).toEqual({ customer: "42", note: "called about the refund" });
});

test("a declared body over 1 MiB is a 413 before anything is decided, and reaches nothing", async () => {
  const token = await credential("crm:write", "crm-api:customers/42");
  const before = reachedCount();
  expectError(
    await proxy("post", "/crm-api/customers/42/notes", token)
      .set("content-type", "text/plain")
      .send("x".repeat(1024 * 1024 + 1)),
    413,
    "payload_too_large",
  );
  expect(reachedCount()).toBe(before);
});

test.each([
  ["a .. segment", "/crm-api/customers/42/../../admin"],
  ["an encoded .. segment", "/crm-api/customers/42/%2e%2e/%2e%2e/admin"],
  ["an encoded slash", "/crm-api/customers/42%2F..%2Fadmin"],
  ["a double-encoded dot", "/crm-api/customers/%252e%252e"],
  ["an empty segment (another host)", "/crm-api//evil.example/customers/42"],
  ["a . segment", "/crm-api/./customers/42"],
  ["a ..;param segment (servlet path parameters)", "/crm-api/customers/..;/customers/43"],
])("%s in the path is a 400, and nothing reaches the upstream", async (_what, path) => {
  const token = await credential("crm:read", "crm-api");
  const before = reachedCount();
  const res = await proxy("get", path, token);
  expect(res.status).toBe(400);
  expect(res.body.error).toBe("invalid_request");
  expect(reachedCount()).toBe(before);
});

test("a backslash in the raw request path (as sent on the wire, not normalised by a URL parser) is a 400", async () => {
  const token = await credential("crm:read", "crm-api");
  const server = app().listen(0, "127.0.0.1");
  await once(server, "listening");
  const before = reachedCount();
  try {
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port, path: "/v1/proxy/crm-api/customers/42\\..\\..\\admin", headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(reachedCount()).toBe(before);
  } finally {
    server.close();
  }
});

test("the key never comes back: not in headers, a redirect, or the body (also split across chunks)", async () => {
  const token = await credential("crm:read", "crm-api");
  const echo = await proxy("get", "/crm-api/echo", token);
  const big = await proxy("get", "/crm-api/big", token);

  expect(echo.status).toBe(200);
  expect(world.upstream.seen.at(-2)!.headers["x-api-key"]).toBe(world.upstream.key);
  for (const res of [echo, big]) {
    expect(res.text).not.toContain(world.upstream.key);
    expect(JSON.stringify(res.headers)).not.toContain(world.upstream.key);
    expect(JSON.stringify(res.headers)).not.toContain(encodeURIComponent(world.upstream.key));
  }
  expect(echo.headers["x-echo-key"]).toBeUndefined();
  expect(echo.headers.location).toBe("https://elsewhere.example/?k=[redacted]");
  expect(big.text).toBe(`${"x".repeat(5000)}[redacted]yyy[redacted]`);
});

test("a key that goes in the query is added by Locksmith, stripped from the echo, and may not be sent by the agent", async () => {
  const token = await credential("billing:read", "billing-api:invoices/7");
  const res = await proxy("get", "/billing-api/invoices/7?expand=lines", token);

  expect(res.status).toBe(200);
  expect(world.upstream.seen.at(-1)!.url).toBe(`/billing/invoices/7?expand=lines&api_key=${encodeURIComponent(world.upstream.key)}`);
  expect(res.text).not.toContain(world.upstream.key);
  expect(res.body.invoice).toBe("7");

  const before = reachedCount();
  expectError(await proxy("get", "/billing-api/invoices/7?api_key=guess", token), 400, "invalid_request");
  expect(reachedCount()).toBe(before);
});

test("a credential for another upstream, for a resource server, revoked, or absent is a 401 and reaches nothing", async () => {
  const billing = await credential("billing:read", "billing-api:invoices/7");
  const crmServer = await credential("crm:read", "crm:customers/42");
  const revoked = await world.api.issued("support-agent", { scope: "crm:read", resource: "crm-api:customers/42" });
  await world.api.revoke("support-agent", revoked.jti);
  const before = reachedCount();

  for (const token of [billing, crmServer, revoked.credential, "not-a-credential"]) {
    expectError(await proxy("get", "/crm-api/customers/42", token), 401, "invalid_token");
  }
  expectError(await request(app()).get("/v1/proxy/crm-api/customers/42"), 401, "invalid_token");
  expect(reachedCount()).toBe(before);
});

test("each call spends one use of the credential, through the redemption path", async () => {
  const issued = await world.api.issued("support-agent", { scope: "crm:read", resource: "crm-api:customers/42" });
  const first = await proxy("get", "/crm-api/customers/42", issued.credential);
  expect(first.status).toBe(200);
  expect((await world.api.ledger({ requestId: requestIdOf(first) }))[0]).toMatchObject({
    type: "redeemed",
    jti: issued.jti,
    agent: "support-agent",
    actor: "crm-api",
    audience: "urn:locksmith:upstream:crm-api",
    resource: "crm-api:customers/42",
    detail: { operation: "GET /customers/42", upstream: "crm-api", uses_remaining: null },
  });
});

test("a limited-use credential stops after its uses", async () => {
  const issued = await world.api.issued("support-agent", { scope: "billing:read", resource: "billing-api:invoices/9" });
  expect(issued.max_uses).toBe(2);
  expect((await proxy("get", "/billing-api/invoices/9", issued.credential)).status).toBe(200);
  expect((await proxy("get", "/billing-api/invoices/9", issued.credential)).status).toBe(200);
  const before = reachedCount();
  expectError(await proxy("get", "/billing-api/invoices/9", issued.credential), 401, "invalid_token");
  expect(reachedCount()).toBe(before);
});

test("acting for a person: the ledger names person → agent → upstream → operation; the person's entitlements narrow it", async () => {
  const mary = await world.corp.token("mary", { scope: "crm:read" });
  const issued = await world.api.issued("support-agent", { scope: "crm:read", resource: "crm-api:customers/42", on_behalf_of: mary });
  const res = await proxy("get", "/crm-api/customers/42", issued.credential);
  expect(res.status).toBe(200);
  expect((await world.api.ledger({ requestId: requestIdOf(res) }))[0]).toMatchObject({
    type: "redeemed",
    user: "mary",
    agent: "support-agent",
    actor: "crm-api",
    detail: { upstream: "crm-api", operation: "GET /customers/42" },
  });

  const john = await world.corp.token("john", { scope: "crm:note" });
  expectError(await world.api.issue("support-agent", { scope: "crm:read", resource: "crm-api:customers/42", on_behalf_of: john }), 403, "permission_denied", {
    reason: "user_lacks_scope",
  });
});

test("an upstream allows only its own scopes, whatever the role grants", async () => {
  expectError(await world.api.issue("support-agent", { scope: "db:write", resource: "app-db:app" }), 403, "permission_denied", {
    reason: "upstream_lacks_scope",
  });
});

test("an unknown upstream is a 404", async () => {
  const token = await credential("crm:read", "crm-api:customers/42");
  expectError(await proxy("get", "/nope-api/customers/42", token), 404, "not_found");
});

describe("the platform team's secrets API (admins only, metadata out, values never)", () => {
  const admin = async () => world.api.headers("security-oncall");
  const rotate = async (upstream: string, value: string) =>
    request(app())
      .post(`/v1/admin/secrets/${upstream}/rotate`)
      .set(await admin())
      .send({ value });

  test("lists names and metadata only", async () => {
    const res = await request(app())
      .get("/v1/admin/secrets")
      .set(await admin());
    expect(res.status).toBe(200);
    expect(res.body.secrets.map((s: { upstream: string }) => s.upstream)).toEqual(["app-db", "billing-api", "crm-api", "staging-db"]);
    expect(Object.keys(res.body.secrets[0]).sort()).toEqual(["created_at", "kek_id", "owner", "updated_at", "updated_by", "upstream", "version"]);
    expect(res.text).not.toContain(world.upstream.key);
  });

  test("an agent or an auditor may not touch them", async () => {
    for (const who of ["support-agent", "security-auditor"] as const) {
      expectError(
        await request(app())
          .get("/v1/admin/secrets")
          .set(await world.api.headers(who)),
        403,
        "permission_denied",
        { reason: "wrong_principal_kind" },
      );
      expectError(
        await request(app())
          .put("/v1/admin/secrets/crm-api")
          .set(await world.api.headers(who))
          .send({ value: "x" }),
        403,
        "permission_denied",
      );
    }
  });

  test("a second put is 409, a rotate of an undeclared upstream 400, an unknown field 400", async () => {
    expectError(
      await request(app())
        .put("/v1/admin/secrets/crm-api")
        .set(await admin())
        .send({ value: "x" }),
      409,
      "conflict",
    );
    expectError(await rotate("nope-api", "x"), 400, "invalid_request");
    expectError(
      await request(app())
        .put("/v1/admin/secrets/crm-api")
        .set(await admin())
        .send({ value: "x", owner: "mary" }),
      400,
      "invalid_request",
    );
  });

  test("a rotated key is used from the next call on; a key with a line break cannot inject a header (502, nothing injected)", async () => {
    const token = await credential("crm:read", "crm-api");
    expect((await rotate("crm-api", "wrong-key")).body.version).toBeGreaterThanOrEqual(2);
    expect((await proxy("get", "/crm-api/customers/42", token)).status).toBe(401);
    expect(world.upstream.seen.at(-1)!.headers["x-api-key"]).toBe("wrong-key");

    await rotate("crm-api", "k\r\nX-Injected: yes");
    const before = reachedCount();
    expectError(await proxy("get", "/crm-api/customers/42", token), 502, "bad_gateway");
    expect(world.upstream.seen.slice(before).some((r) => r.headers["x-injected"] !== undefined)).toBe(false);

    await rotate("crm-api", world.upstream.key);
    expect((await proxy("get", "/crm-api/customers/42", token)).status).toBe(200);
  });

  test("once deleted, the proxy answers 503 and nothing is sent upstream", async () => {
    const token = await credential("billing:read", "billing-api:invoices/1");
    expect(
      (
        await request(app())
          .delete("/v1/admin/secrets/billing-api")
          .set(await admin())
      ).status,
    ).toBe(204);
    expect(
      (
        await request(app())
          .delete("/v1/admin/secrets/billing-api")
          .set(await admin())
      ).status,
    ).toBe(204);
    const before = reachedCount();
    expectError(await proxy("get", "/billing-api/invoices/1", token), 503, "temporarily_unavailable");
    expect(reachedCount()).toBe(before);
    expect(
      (
        await request(app())
          .put("/v1/admin/secrets/billing-api")
          .set(await admin())
          .send({ value: world.upstream.key })
      ).status,
    ).toBe(201);
  });
});

test("audit trace tells a delegated upstream credential's story: person → agent → upstream → each operation, the refused one too", async () => {
  const mary = await world.corp.token("mary", { scope: "crm:read" });
  const issued = await world.api.issued("support-agent", { scope: "crm:read", resource: "crm-api:customers/42", on_behalf_of: mary });
  await proxy("get", "/crm-api/customers/42", issued.credential);
  await proxy("delete", "/crm-api/customers/42", issued.credential);
  await world.api.revoke("support-agent", issued.jti);

  const res = await request(app())
    .get(`/v1/audit/trace/${issued.jti}`)
    .set(await world.api.headers("security-auditor"));

  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: "revoked", agent: "support-agent", user: "mary", redemptions: 1, rejected_redemptions: 1 });
  // biome-ignore lint/suspicious/noExplicitAny: loose JSON of a test fixture
  expect(res.body.events.map((e: Record<string, any>) => [e.type, e.user ?? null, e.agent, e.actor ?? null, e.detail?.operation ?? null])).toEqual([
    ["issued", "mary", "support-agent", null, null],
    ["redeemed", "mary", "support-agent", "crm-api", "GET /customers/42"],
    ["redeem_rejected", "mary", "support-agent", "crm-api", "DELETE /customers/42"],
    ["revoked", null, "support-agent", "support-agent", null],
  ]);
});

test("a compressed answer is unpacked before the key is stripped, or refused when it cannot be (the key would pass packed)", async () => {
  const token = await credential("crm:read", "crm-api");
  const plain = await proxy("get", "/crm-api/customers/packed-gzip", token);
  expect(plain.status).toBe(200);
  expect(plain.body).toEqual({ key: "[redacted]" });

  // A coding chain fetch does not undo: the body would arrive still gzipped, the key inside it, past the stripper.
  const packed = await proxy("get", "/crm-api/customers/packed-gzip,%20identity", token)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    });
  expect(packed.status).toBe(502);
  expect(JSON.parse((packed.body as Buffer).toString())).toMatchObject({ error: "bad_gateway" });
});
