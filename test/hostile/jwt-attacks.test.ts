import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { decodeJwt } from "jose";
import request, { type Test } from "supertest";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { resolvedAttackVariants, signRaw, type Ed25519Jwk } from "../support/jwt-attacks";
import { exampleKey, type ExamplePrincipal } from "../support/principals";

// RFC 8725 (JWT BCP) attacks, as named cases, against every place Locksmith parses a JWT:
// the caller's assertion at the three v1 routes (401 invalid_client), and the credential at redeem ({active:false}).

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let live: { jti: string; credential: string };
let keyServer: Server;
let keyServerHits = 0;
let jkuTarget: string;

beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
  live = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
  keyServer = createServer((_req, res) => {
    keyServerHits++;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((listening) => keyServer.listen(0, "127.0.0.1", listening));
  jkuTarget = `http://127.0.0.1:${(keyServer.address() as { port: number }).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((closed) => keyServer.close(closed));
  await sut.close();
});
afterAll(() => {
  // No verifier ever fetched a key from a URL a token named.
  expect(keyServerHits).toBe(0);
});

const now = () => Math.floor(Date.now() / 1000);
const claimsOf = (id: string, overrides: Record<string, unknown> = {}) => ({
  iss: id,
  sub: id,
  aud: TEST_ISSUER,
  jti: randomUUID(),
  iat: now(),
  exp: now() + 60,
  ...overrides,
});
const signedAs = (id: ExamplePrincipal, claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  signRaw(JSON.stringify({ alg: "EdDSA", kid: exampleKey(id).kid, ...header }), JSON.stringify(claims), exampleKey(id) as Ed25519Jwk);

const ROUTES: { name: string; caller: ExamplePrincipal; call: (authorization: string) => Test }[] = [
  {
    name: "POST /v1/credentials",
    caller: "support-agent",
    call: (a) => request(sut.locksmith.http).post("/v1/credentials").set("authorization", a).send({ scope: "crm:read", resource: "crm:customers/42" }),
  },
  {
    name: "POST /v1/credentials/redeem",
    caller: "crm-prod",
    call: (a) => request(sut.locksmith.http).post("/v1/credentials/redeem").set("authorization", a).send({ credential: live.credential }),
  },
  {
    name: "DELETE /v1/credentials/{jti}",
    caller: "support-agent",
    call: (a) => request(sut.locksmith.http).delete(`/v1/credentials/${randomUUID()}`).set("authorization", a),
  },
];

/** The attack names, for test.each (the tokens are built per test, with a fresh jti). */
const ATTACK_NAMES = [
  'alg "none"',
  'alg "None"',
  'alg "NONE"',
  'alg "nOnE"',
  "HS256 keyed with the public key's PEM",
  "HS256 keyed with the public key's x",
  'alg outside the allow-list ("ES512" header, EdDSA signature)',
  'alg outside the allow-list ("RS256")',
  "signature stripped",
  "signature altered",
  "payload altered, signature kept",
  "embedded jwk of the attacker's key",
  "jku pointing at the attacker's key set",
  "x5u pointing at the attacker's certificate",
  "x5c with a self-made certificate",
  "kid with a path traversal",
  "kid with SQL",
  "kid of 4 KiB",
  "crit naming an unknown extension",
  "duplicate claim (iss twice)",
  "duplicate claim, escaped (sub and \\u0073ub)",
  "duplicate header member (alg twice)",
  "act nested 64 deep",
  "oversized (10 KiB of padding claim)",
  "JWE compact serialisation (five parts)",
  "JWS JSON serialisation",
  "JWS JSON serialisation, base64url-wrapped",
];

describe.each(ROUTES)("$name refuses an assertion", (route) => {
  test("(control: the genuine assertion is accepted)", async () => {
    const res = await route.call(`Bearer ${signedAs(route.caller, claimsOf(route.caller))}`);
    expect(res.status).toBeLessThan(300);
  });

  test.each(ATTACK_NAMES)("%s → 401", async (name) => {
    const variants = new Map(await resolvedAttackVariants(claimsOf(route.caller), exampleKey(route.caller) as Ed25519Jwk, { jkuTarget }));
    expect(variants.has(name)).toBe(true);
    const res = await route.call(`Bearer ${variants.get(name)}`);
    expectError(res, 401, "invalid_client");
  });

  // Every row has all three columns: jest would take a missing third for a done callback.
  const edges: [string, (id: string) => Record<string, unknown>, Record<string, unknown>][] = [
    ["typ at+jwt (an access token presented as an assertion)", (id) => claimsOf(id), { typ: "at+jwt" }],
    [
      "wrong iss (another principal's name, signed with this key)",
      (id) => claimsOf(id, { iss: id === "crm-prod" ? "crm-staging" : "staging-deploy-agent" }),
      {},
    ],
    ["sub different from iss", (id) => claimsOf(id, { sub: "security-oncall" }), {}],
    ["wrong aud", (id) => claimsOf(id, { aud: "https://evil.example" }), {}],
    ["aud missing", (id) => claimsOf(id, { aud: undefined }), {}],
    ["exp 31 s ago (beyond the 30 s skew)", (id) => claimsOf(id, { iat: now() - 100, exp: now() - 31 }), {}],
    ["exp missing", (id) => claimsOf(id, { exp: undefined }), {}],
    ["exp as a string", (id) => claimsOf(id, { exp: String(now() + 60) }), {}],
    ["nbf 60 s ahead", (id) => claimsOf(id, { nbf: now() + 60 }), {}],
    ["iat 60 s ahead", (id) => claimsOf(id, { iat: now() + 60, exp: now() + 120 }), {}],
    ["lifetime over 5 minutes", (id) => claimsOf(id, { exp: now() + 301 }), {}],
    ["jti missing", (id) => claimsOf(id, { jti: undefined }), {}],
    ["jti of 129 characters", (id) => claimsOf(id, { jti: "j".repeat(129) }), {}],
  ];
  test.each(edges)("%s → 401", async (_name, claims, header) => {
    const res = await route.call(`Bearer ${signedAs(route.caller, claims(route.caller), header)}`);
    expectError(res, 401, "invalid_client");
  });

  test("a replayed assertion → 401", async () => {
    const assertion = signedAs(route.caller, claimsOf(route.caller));
    await route.call(`Bearer ${assertion}`);
    expectError(await route.call(`Bearer ${assertion}`), 401, "invalid_client");
  });
});

describe("POST /v1/credentials/redeem refuses a forged or tampered credential with {active:false}", () => {
  let signingKey: Ed25519Jwk;
  beforeAll(() => {
    const file = JSON.parse(readFileSync(sut.keysFile, "utf8")) as { keys: { environment: string; kid: string; private_jwk: Ed25519Jwk }[] };
    const production = file.keys.find((key) => key.environment === "production")!;
    signingKey = { ...production.private_jwk, kid: production.kid };
  });
  const redeem = async (credential: string) => (await api.redeem("crm-prod", { credential })).body;

  test("(control: the genuine credential, and the same claims re-signed with Locksmith's key, are active)", async () => {
    expect(await redeem(live.credential)).toMatchObject({ active: true, jti: live.jti });
    const claims = decodeJwt(live.credential);
    expect(await redeem(signRaw(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: signingKey.kid }), JSON.stringify(claims), signingKey))).toMatchObject({
      active: true,
    });
  });

  const OVERSIZED = "oversized (10 KiB of padding claim)";
  test.each(ATTACK_NAMES.filter((name) => name !== OVERSIZED))("%s → inactive", async (name) => {
    const variants = new Map(await resolvedAttackVariants(decodeJwt(live.credential), signingKey, { typ: "at+jwt", jkuTarget }));
    expect(await redeem(variants.get(name)!)).toEqual({ active: false });
  });

  test(`${OVERSIZED} → 400 invalid_request (over the body's 8 KiB bound for a credential)`, async () => {
    const variants = new Map(await resolvedAttackVariants(decodeJwt(live.credential), signingKey, { typ: "at+jwt", jkuTarget }));
    expectError(await api.redeem("crm-prod", { credential: variants.get(OVERSIZED)! }), 400, "invalid_request");
  });

  test.each([
    ["typ JWT instead of at+jwt", { typ: "JWT" }],
    ["no typ", {}],
  ])("%s → inactive", async (_name, header) => {
    const token = signRaw(JSON.stringify({ alg: "EdDSA", kid: signingKey.kid, ...header }), JSON.stringify(decodeJwt(live.credential)), signingKey);
    expect(await redeem(token)).toEqual({ active: false });
  });

  test("signed by the staging key for a production audience → inactive", async () => {
    const file = JSON.parse(readFileSync(sut.keysFile, "utf8")) as { keys: { environment: string; kid: string; private_jwk: Ed25519Jwk }[] };
    const staging = file.keys.find((key) => key.environment === "staging")!;
    const token = signRaw(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: staging.kid }), JSON.stringify(decodeJwt(live.credential)), staging.private_jwk);
    expect(await redeem(token)).toEqual({ active: false });
  });

  test("expired (exp in the past, re-signed) → inactive", async () => {
    const claims = { ...decodeJwt(live.credential), exp: now() - 1 };
    expect(await redeem(signRaw(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: signingKey.kid }), JSON.stringify(claims), signingKey))).toEqual({
      active: false,
    });
  });
});
