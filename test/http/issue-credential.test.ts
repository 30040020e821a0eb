import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import request from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { credentialKeys } from "../support/redis-inspection";

// POST /v1/credentials on the example policy: what an agent gets, and every way it is refused.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const CRM = "https://crm.example.com";

async function servedKeys(): Promise<JSONWebKeySet> {
  const res = await request(sut.locksmith.http).get("/.well-known/jwks.json");
  expect(res.status).toBe(200);
  return res.body as JSONWebKeySet;
}

describe("a credential the policy allows", () => {
  test("answers 201 with exactly the contract's fields and no max_uses when the grant has none", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: 120 });

    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["audience", "credential", "expires_at", "expires_in", "jti", "resource", "scope", "token_type"]);
    expect(res.body).toMatchObject({
      token_type: "Bearer",
      scope: "crm:read",
      resource: "crm:customers/42",
      audience: CRM,
      expires_in: 120,
    });
    expect(res.body.jti).toMatch(/^[A-Za-z0-9._~-]+$/);
    expect(new Date(res.body.expires_at).toISOString()).toBe(res.body.expires_at);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["pragma"]).toBe("no-cache");
  });

  test("is an RFC 9068 at+jwt signed with EdDSA by the production key served in the JWKS", async () => {
    const body = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: "2m" });
    const keys = await servedKeys();

    const header = decodeProtectedHeader(body.credential);
    expect(header).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: expect.any(String) });
    expect(keys.keys.map((k) => k.kid)).toContain(header.kid);
    expect(header.kid).toBe(sut.locksmith.keys.signingKey("production")?.kid);

    const { payload } = await jwtVerify(body.credential, createLocalJWKSet(keys), {
      issuer: TEST_ISSUER,
      audience: CRM,
      typ: "at+jwt",
      algorithms: ["EdDSA"],
    });
    expect(Object.keys(payload).sort()).toEqual(["aud", "client_id", "env", "exp", "iat", "iss", "jti", "nbf", "resource", "scope", "sub"]);
    expect(payload).toMatchObject({
      iss: TEST_ISSUER,
      sub: "support-agent",
      aud: CRM,
      client_id: "support-agent",
      jti: body.jti,
      scope: "crm:read",
      resource: "crm:customers/42",
      env: "production",
    });
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(body.expires_at).toBe(new Date(payload.exp! * 1000).toISOString());
    expect(body.expires_in).toBe(payload.exp! - payload.iat!);
  });

  test("a staging agent's credential is signed by the staging key, for the staging audience, and carries every scope asked", async () => {
    const body = await api.issued("staging-deploy-agent", { scope: "infra:read infra:deploy infra:read", resource: "infra:staging/web" });
    const { payload, protectedHeader } = await jwtVerify(body.credential, createLocalJWKSet(await servedKeys()), {
      issuer: TEST_ISSUER,
      audience: "https://infra.staging.example.com",
      typ: "at+jwt",
    });

    expect(protectedHeader.kid).toBe(sut.locksmith.keys.signingKey("staging")?.kid);
    expect(protectedHeader.kid).not.toBe(sut.locksmith.keys.signingKey("production")?.kid);
    expect(payload).toMatchObject({ sub: "staging-deploy-agent", env: "staging", scope: "infra:read infra:deploy", resource: "infra:staging/web" });
    expect(body).toMatchObject({ scope: "infra:read infra:deploy", audience: "https://infra.staging.example.com" });
  });

  test("without ttl lives the grant's default: its ttl, else max_ttl capped at 5 minutes", async () => {
    const read = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" }); // max_ttl 5m
    const note = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" }); // max_ttl 2m
    const deploy = await api.issued("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" }); // ttl 5m, max_ttl 10m

    expect([read.expires_in, note.expires_in, deploy.expires_in]).toEqual([300, 120, 300]);
  });

  test("accepts ttl as seconds or with a unit, up to the grant's max_ttl", async () => {
    for (const [ttl, seconds] of [
      [30, 30],
      ["45s", 45],
      ["5m", 300],
      [300, 300],
    ] as const) {
      const body = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl });
      expect(body.expires_in).toBe(seconds);
    }
  });

  test("states max_uses when the grant limits the uses", async () => {
    const body = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes", reason: "ticket 4711" });

    expect(body.max_uses).toBe(3);
  });
});

describe("a grant that needs approval", () => {
  test("answers 202 pending_approval for crm:refund and hands out nothing", async () => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue("support-agent", { scope: "crm:refund", resource: "crm:orders/7" });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ request_id: expect.any(String), status: "pending_approval" });
    expect(res.text).not.toMatch(/eyJ/);
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });
});

describe("a credential the policy refuses", () => {
  test("explicit deny wins: crm:delete is refused by the role's deny rule", async () => {
    const res = await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });

    expectError(res, 403, "permission_denied", { reason: "explicit_deny", rule: "roles.customer-service-tier-1.deny[0]" });
  });

  test("explicit deny wins even when another scope of the request is granted", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read crm:delete", resource: "crm:customers/42" });

    expectError(res, 403, "permission_denied", { reason: "explicit_deny" });
  });

  test("deny by default: no grant covers the scope or the resource", async () => {
    const scope = await api.issue("support-agent", { scope: "crm:write", resource: "crm:customers/42" });
    const resource = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42/notes" });

    expectError(scope, 403, "permission_denied", { reason: "no_grant" });
    expectError(resource, 403, "permission_denied", { reason: "no_grant" });
    expect(scope.body.rule).toBeUndefined();
  });

  test("a ttl above max_ttl is refused, not clamped", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: 301 });

    expectError(res, 403, "permission_denied", { reason: "ttl_exceeds_policy", rule: "roles.customer-service-tier-1.grants[0]" });
    expect(res.body.credential).toBeUndefined();
  });

  test("environments are walls: the staging deploy agent gets no production credential (PocketOS)", async () => {
    for (const scope of ["infra:deploy", "infra:read", "infra:delete"]) {
      const res = await api.issue("staging-deploy-agent", { scope, resource: "infra:production/db" });
      expectError(res, 403, "permission_denied", { reason: "environment_wall" });
    }
  });

  test("a resource no server in the agent's environment serves is refused", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read", resource: "billing:invoices/1" });

    expectError(res, 403, "permission_denied", { reason: "no_resource_server" });
  });

  test("a refusal leaves no credential state in Redis", async () => {
    const before = await credentialKeys(sut.redisPrefix);
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
    await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: "1h" });
    await api.issue("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:production/db" });

    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });
});

describe("a request body that does not fit", () => {
  const valid = { scope: "crm:read", resource: "crm:customers/42" };
  const cases: [string, object][] = [
    ["no scope", { resource: "crm:customers/42" }],
    ["no resource", { scope: "crm:read" }],
    ["an empty scope", { ...valid, scope: " " }],
    ["a scope that is not a string", { ...valid, scope: ["crm:read"] }],
    ["a wildcard scope", { ...valid, scope: "crm:*" }],
    ["a wildcard among the scopes", { ...valid, scope: "crm:read *:delete" }],
    ["a wildcard resource", { ...valid, resource: "crm:customers/*" }],
    ["a resource with a space", { ...valid, resource: "crm:customers/4 2" }],
    ["an unknown field", { ...valid, audience: "https://crm.example.com" }],
    ["a ttl of zero", { ...valid, ttl: 0 }],
    ["a negative ttl", { ...valid, ttl: -5 }],
    ["a fractional ttl", { ...valid, ttl: 1.5 }],
    ["a ttl in words", { ...valid, ttl: "five minutes" }],
    ["a ttl with an unknown unit", { ...valid, ttl: "2d" }],
    ["a ttl over 24 hours", { ...valid, ttl: 86_401 }],
    ["a boolean ttl", { ...valid, ttl: true }],
    ["a reason over 512 characters", { ...valid, reason: "x".repeat(513) }],
    ["a reason with a NUL character", { ...valid, reason: "ticket\u00004711" }],
    ["a reason with an unpaired surrogate", { ...valid, reason: "ticket \ud800" }],
    ["a JSON array", [valid]],
  ];

  test.each(cases)("%s is 400 invalid_request, and nothing is issued", async (_name, body) => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue("support-agent", body);

    expectError(res, 400, "invalid_request");
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });

  test("on_behalf_of from no trusted identity provider (none is configured) is 401 invalid_token, and nothing is issued", async () => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue("support-agent", { ...valid, on_behalf_of: "eyJhbGciOiJFUzI1NiJ9.e30.sig" });

    expectError(res, 401, "invalid_token");
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });

  test("an unknown field is named in the description", async () => {
    const res = await api.issue("support-agent", { ...valid, max_uses: 1 });

    expectError(res, 400, "invalid_request");
    expect(res.body.error_description).toContain("max_uses");
  });
});

describe("a request that is not a JSON object", () => {
  test("malformed JSON is 400 invalid_request in the error shape", async () => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json")
      .send('{"scope": "crm:read", "resource": ');

    expectError(res, 400, "invalid_request");
  });

  test("a body that is not application/json is 415", async () => {
    const text = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "text/plain")
      .send("scope=crm:read");
    const form = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .type("form")
      .send({ scope: "crm:read", resource: "crm:customers/42" });
    const none = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"));

    expectError(text, 415, "unsupported_media_type");
    expectError(form, 415, "unsupported_media_type");
    expectError(none, 415, "unsupported_media_type");
  });

  test("JSON in a charset other than UTF-8 is 415", async () => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json; charset=iso-8859-1")
      .send(JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" }));

    expectError(res, 415, "unsupported_media_type");
  });

  test("a body over 32 KiB is 413", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", reason: "x".repeat(40_000) });

    expectError(res, 413, "payload_too_large");
  });
});
