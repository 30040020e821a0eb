import { createLocalJWKSet, jwtVerify, type JWK } from "jose";
import request from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { LocksmithApi } from "../support/locksmith-api";

// GET /.well-known/jwks.json, /healthz, /readyz: public, unauthenticated, and telling the truth.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

describe("GET /.well-known/jwks.json", () => {
  test("serves the public keys of every environment, without authentication, and no private part", async () => {
    const res = await request(sut.locksmith.http).get("/.well-known/jwks.json");

    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["cache-control"]).toMatch(/public/);
    const keys = res.body.keys as JWK[];
    expect(keys.map((k) => k.kid).sort()).toEqual([sut.locksmith.keys.signingKey("production")?.kid, sut.locksmith.keys.signingKey("staging")?.kid].sort());
    for (const key of keys) {
      expect(key).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: expect.any(String), alg: "EdDSA", use: "sig" });
      for (const privatePart of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(key).not.toHaveProperty(privatePart);
    }
  });

  test("is enough for a resource server to verify a credential offline", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const jwks = createLocalJWKSet((await request(sut.locksmith.http).get("/.well-known/jwks.json")).body);

    const { payload } = await jwtVerify(issued.credential, jwks, { issuer: TEST_ISSUER, audience: "https://crm.example.com", typ: "at+jwt" });
    expect(payload.jti).toBe(issued.jti);
  });
});

describe("health", () => {
  test("GET /healthz answers 200 while the process runs", async () => {
    const res = await request(sut.locksmith.http).get("/healthz");

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  test("GET /readyz answers 200 when Redis and PostgreSQL answer and keys and policy are loaded", async () => {
    const res = await request(sut.locksmith.http).get("/readyz");

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "ready",
      policy_version: sut.locksmith.policySource.current().version,
      checks: { redis: "ok", postgres: "ok", keys: "ok", policy: "ok" },
    });
  });

  test("neither needs nor reads credentials, and neither says anything about the stores' addresses", async () => {
    for (const path of ["/healthz", "/readyz", "/.well-known/jwks.json"]) {
      const res = await request(sut.locksmith.http).get(path).set("authorization", "Bearer garbage");
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/127\.0\.0\.1|6379|5432|postgres:\/\/|redis:\/\//);
    }
  });
});
