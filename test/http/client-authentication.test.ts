import request, { type Test } from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionClaims, craftAssertion, hmacAssertion, unsecuredAssertion } from "../support/crafted-assertions";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { assertionFor, type ExamplePrincipal } from "../support/principals";

// The checks every protected v1 route shares: who is calling (401) and whether its kind may call (403).

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let issuedJti: string;
let issuedCredential: string;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
  const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
  issuedJti = issued.jti;
  issuedCredential = issued.credential;
});
afterAll(() => sut.close());

interface ProtectedRoute {
  readonly name: string;
  /** A principal this route admits, and the status its well-formed call answers. */
  readonly caller: ExamplePrincipal;
  readonly ok: number;
  /** Principals of a kind the route does not admit. */
  readonly refused: ExamplePrincipal[];
  call(authorization?: string): Test;
}

const ROUTES: ProtectedRoute[] = [
  {
    name: "POST /v1/credentials",
    caller: "support-agent",
    ok: 201,
    refused: ["crm-prod", "infra-staging", "security-oncall"],
    call: (authorization) =>
      withAuth(request(sut.locksmith.http).post("/v1/credentials"), authorization).send({ scope: "crm:read", resource: "crm:customers/42" }),
  },
  {
    name: "POST /v1/credentials/redeem",
    caller: "crm-prod",
    ok: 200,
    refused: ["support-agent", "staging-deploy-agent", "security-oncall"],
    call: (authorization) => withAuth(request(sut.locksmith.http).post("/v1/credentials/redeem"), authorization).send({ credential: issuedCredential }),
  },
  {
    name: "DELETE /v1/credentials/{jti}",
    caller: "support-agent",
    ok: 204,
    refused: ["crm-prod", "infra-staging"],
    call: (authorization) => withAuth(request(sut.locksmith.http).delete(`/v1/credentials/${issuedJti}-unknown`), authorization),
  },
];

function withAuth(test: Test, authorization?: string): Test {
  return authorization === undefined ? test : test.set("authorization", authorization);
}

const now = () => Math.floor(Date.now() / 1000);

const bearer = async (assertion: Promise<string> | string) => `Bearer ${await assertion}`;

/**
 * Authorization headers that must all be refused with 401, made for a route
 * whose admitted caller is `id`, with what the description must say (so each
 * case is refused for its own reason, not for another flaw).
 */
const BAD_CREDENTIALS: [string, (id: ExamplePrincipal) => Promise<string | undefined>, RegExp][] = [
  ["no Authorization header", async () => undefined, /send Authorization: Bearer/],
  ["an empty Authorization header", async () => "", /send Authorization: Bearer/],
  ["another scheme (Basic)", async () => `Basic ${Buffer.from("support-agent:secret").toString("base64")}`, /send Authorization: Bearer/],
  ["Bearer with nothing after it", async () => "Bearer ", /send Authorization: Bearer/],
  ["a bearer value with characters a JWT never has", async () => "Bearer {not a jwt}", /send Authorization: Bearer/],
  ["a garbage bearer value", async () => "Bearer garbage", /not a compact JWT/],
  [
    "an assertion for another audience, naming the one expected",
    (id) => bearer(assertionFor(id, "https://not-locksmith.example.com")),
    new RegExp(`"aud" is invalid: expected "${TEST_ISSUER}"`),
  ],
  ["an expired assertion", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { iat: now() - 200, exp: now() - 60 }))), /expired/],
  ["an assertion issued in the future", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { iat: now() + 120, exp: now() + 180 }))), /future/],
  ["an assertion living longer than 5 minutes", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { exp: now() + 600 }))), /lifetime/],
  ["an assertion without jti", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { jti: undefined }))), /"jti"/],
  ["an assertion without exp", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { exp: undefined }))), /"exp"/],
  ["an assertion whose sub is not its iss", (id) => bearer(craftAssertion(id, assertionClaims(id, TEST_ISSUER, { sub: "someone-else" }))), /"sub"/],
  [
    "an unknown principal",
    () => bearer(craftAssertion("support-agent", assertionClaims("mallory-agent", TEST_ISSUER))),
    /iss must name a client of the policy/,
  ],
  [
    "an assertion signed with another principal's key",
    (id) => bearer(craftAssertion(id === "crm-prod" ? "support-agent" : "crm-prod", assertionClaims(id, TEST_ISSUER), { kid: `${id}-1` })),
    /not accepted/,
  ],
  ["an unsecured assertion (alg none)", (id) => bearer(unsecuredAssertion(assertionClaims(id, TEST_ISSUER))), /not accepted/],
  ["an HMAC assertion (HS256)", (id) => bearer(hmacAssertion(assertionClaims(id, TEST_ISSUER))), /not accepted/],
];

describe.each(ROUTES)("$name", (route) => {
  test("admits its caller with a fresh assertion", async () => {
    const res = await route.call(`Bearer ${await assertionFor(route.caller, TEST_ISSUER)}`);

    expect(res.status).toBe(route.ok);
  });

  test("takes the auth-scheme in any case (RFC 9110 §11.1)", async () => {
    const res = await route.call(`bearer ${await assertionFor(route.caller, TEST_ISSUER)}`);

    expect(res.status).toBe(route.ok);
  });

  test.each(BAD_CREDENTIALS)("refuses %s with 401 invalid_client", async (_name, make, why) => {
    const res = await route.call(await make(route.caller));

    expectError(res, 401, "invalid_client");
    expect(res.body.error_description).toMatch(why);
    expect(res.headers["www-authenticate"]).toBe('Bearer error="invalid_client"');
  });

  test("refuses a replayed assertion with 401: each jti is accepted once", async () => {
    const assertion = await assertionFor(route.caller, TEST_ISSUER);

    const first = await route.call(`Bearer ${assertion}`);
    const replay = await route.call(`Bearer ${assertion}`);

    expect(first.status).toBe(route.ok);
    expectError(replay, 401, "invalid_client");
    expect(replay.body.error_description).toMatch(/already used/);
  });

  test("refuses principals of a kind it does not admit with 403", async () => {
    for (const id of route.refused) {
      const res = await route.call(`Bearer ${await assertionFor(id, TEST_ISSUER)}`);
      expectError(res, 403, "permission_denied", { reason: "wrong_principal_kind" });
    }
  });
});

test("an assertion used on one route is spent for every other route", async () => {
  const assertion = await assertionFor("support-agent", TEST_ISSUER);

  const issue = await request(sut.locksmith.http)
    .post("/v1/credentials")
    .set("authorization", `Bearer ${assertion}`)
    .send({ scope: "crm:read", resource: "crm:customers/1" });
  const revoke = await request(sut.locksmith.http).delete(`/v1/credentials/${issue.body.jti}`).set("authorization", `Bearer ${assertion}`);

  expect(issue.status).toBe(201);
  expectError(revoke, 401, "invalid_client");
});

test("a 401 never echoes the assertion", async () => {
  const assertion = await assertionFor("support-agent", "https://not-locksmith.example.com");
  const res = await request(sut.locksmith.http)
    .post("/v1/credentials")
    .set("authorization", `Bearer ${assertion}`)
    .send({ scope: "crm:read", resource: "crm:customers/1" });

  expectError(res, 401, "invalid_client");
  for (const part of assertion.split(".")) expect(res.text).not.toContain(part);
});
