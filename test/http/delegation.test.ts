import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import request from "supertest";
import { startDelegationWorld, type DelegationWorld } from "../support/delegation-setup";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { credentialKeys } from "../support/redis-inspection";

// on_behalf_of: an agent acting for a person gets the intersection of its role and the person's entitlements.

let world: DelegationWorld;
let api: LocksmithApi;
beforeAll(async () => {
  world = await startDelegationWorld();
  api = new LocksmithApi(world.sut);
});
afterAll(() => world.close());

const CRM = "https://crm.example.com";
const read42 = { scope: "crm:read", resource: "crm:customers/42" };

async function verified(token: string) {
  const jwks = (await request(world.sut.locksmith.http).get("/.well-known/jwks.json")).body as JSONWebKeySet;
  return (await jwtVerify(token, createLocalJWKSet(jwks), { issuer: TEST_ISSUER, audience: CRM, typ: "at+jwt" })).payload;
}

describe("the John story", () => {
  test("an agent with crm:read acting for John, who lacks it, is denied user_lacks_scope, and the ledger names both", async () => {
    const john = await world.corp.token("john", { scope: "crm:note" });
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: john });

    expectError(res, 403, "permission_denied", { reason: "user_lacks_scope" });
    expect(res.body.error_description).toMatch(/john.*crm:read/);
    const row = await api.rowOf(res);
    expect(row).toMatchObject({ type: "denied", decision: "deny", reason: "user_lacks_scope", user: "john", agent: "support-agent" });
  });

  test("acting for Mary, who has crm:read, the token says sub = Mary, act = the agent, client_id = the agent, and so does the ledger", async () => {
    const mary = await world.corp.token("mary", { scope: "crm:read crm:note" });
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: mary });

    expect(res.status).toBe(201);
    const claims = await verified(res.body.credential);
    expect(claims).toMatchObject({ sub: "mary", act: { sub: "support-agent" }, client_id: "support-agent", scope: "crm:read" });
    expect(await api.rowOf(res)).toMatchObject({ type: "issued", user: "mary", agent: "support-agent", jti: res.body.jti });

    const redeemed = await api.redeem("crm-prod", { credential: res.body.credential });
    expect(redeemed.body).toMatchObject({ active: true, sub: "mary", user: "mary", agent: "support-agent" });
    const redeemRow = (await api.ledger({ jti: res.body.jti })).find((row) => row.type === "redeemed");
    expect(redeemRow).toMatchObject({ user: "mary", agent: "support-agent", actor: "crm-prod" });
  });

  test("never widens: a user entitled to more than the agent's role still gets only what the role grants", async () => {
    const admin = await world.corp.token("root-user", { scope: "crm:read crm:delete" });
    const res = await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42", on_behalf_of: admin });
    expectError(res, 403, "permission_denied", { reason: "explicit_deny" });
  });

  test("maps IdP groups to scopes when the provider has a scope_mapping", async () => {
    const groups = await world.corp.token("gina", { iss: `${world.corp.issuer}-groups`, groups: ["support-staff"] });
    expect((await api.issue("support-agent", { ...read42, on_behalf_of: groups })).status).toBe(201);
    const outsider = await world.corp.token("oscar", { iss: `${world.corp.issuer}-groups`, groups: ["marketing"], scope: "crm:read" });
    expectError(await api.issue("support-agent", { ...read42, on_behalf_of: outsider }), 403, "permission_denied", { reason: "user_lacks_scope" });
  });
});

describe("act chains and requires_user", () => {
  test("keeps an incoming act chain nested under the agent (RFC 8693 §4.1)", async () => {
    const token = await world.corp.token("mary", { scope: "crm:read", act: { sub: "orchestrator", act: { sub: "gateway" } } });
    const body = await api.issued("support-agent", { ...read42, on_behalf_of: token });
    expect(decodeJwt(body.credential).act).toEqual({ sub: "support-agent", act: { sub: "orchestrator", act: { sub: "gateway" } } });
  });

  test("refuses an act chain deeper than four with 401 invalid_token", async () => {
    const deep = { sub: "a", act: { sub: "b", act: { sub: "c", act: { sub: "d", act: { sub: "e" } } } } };
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: await world.corp.token("mary", { scope: "crm:read", act: deep }) });
    expectError(res, 401, "invalid_token");
  });

  test("a requires_user grant is refused to the agent alone and allowed for an entitled user", async () => {
    const alone = await api.issue("support-agent", { scope: "crm:export", resource: "crm:customers/42" });
    expectError(alone, 403, "permission_denied", { reason: "requires_user", rule: "roles.customer-service-tier-1.grants[3]" });
    const mary = await world.corp.token("mary", { scope: "crm:export" });
    expect((await api.issue("support-agent", { scope: "crm:export", resource: "crm:customers/42", on_behalf_of: mary })).status).toBe(201);
  });
});

describe("user tokens that are refused", () => {
  test.each([
    ["from an untrusted issuer", () => world.corp.token("mary", { scope: "crm:read", iss: "https://evil.example.com" })],
    ["for another audience", () => world.corp.token("mary", { scope: "crm:read" }, "someone-else")],
    ["expired", () => world.corp.token("mary", { scope: "crm:read", iat: 1_000, exp: 2_000 })],
    ["garbage", async () => "not-a-jwt"],
  ])("a user token %s is 401 invalid_token and issues nothing", async (_name, token) => {
    const before = await credentialKeys(world.sut.redisPrefix);
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: await token() });
    expectError(res, 401, "invalid_token");
    expect(await credentialKeys(world.sut.redisPrefix)).toEqual(before);
  });

  test("an HMAC user token is refused (algorithm allow-list)", async () => {
    const { SignJWT } = await import("jose");
    const now = Math.floor(Date.now() / 1000);
    const hmac = await new SignJWT({ iss: world.corp.issuer, sub: "mary", aud: "locksmith", scope: "crm:read", iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
    expectError(await api.issue("support-agent", { ...read42, on_behalf_of: hmac }), 401, "invalid_token");
  });
});

describe("the identity provider's JWKS", () => {
  test("after a key rotation, a token with the new kid is accepted (unknown kid → refetch)", async () => {
    await api.issued("support-agent", { ...read42, on_behalf_of: await world.corp.token("mary", { scope: "crm:read" }) });
    const fetchesBefore = world.corp.fetches;
    await world.corp.rotate();
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: await world.corp.token("mary", { scope: "crm:read" }) });
    expect(res.status).toBe(201);
    expect(world.corp.fetches).toBeGreaterThan(fetchesBefore);
  });

  test("an IdP whose JWKS cannot be reached is 503 temporarily_unavailable, and no credential exists", async () => {
    const before = await credentialKeys(world.sut.redisPrefix);
    const token = await world.corp.token("mary", { scope: "crm:read", iss: world.deadIssuer });
    const res = await api.issue("support-agent", { ...read42, on_behalf_of: token });
    expectError(res, 503, "temporarily_unavailable");
    expect(res.body.error_description).toMatch(/identity provider dead/);
    expect(await credentialKeys(world.sut.redisPrefix)).toEqual(before);
  });
});
