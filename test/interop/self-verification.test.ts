import request from "supertest";
import { decodeProtectedHeader } from "jose";
import { LocksmithApi } from "../support/locksmith-api";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "../support/principals";
import { startInteropWorld, tampered, type InteropWorld } from "../support/interop-world";

// Locksmith verifies its own RS256 and ES256 credentials wherever it verifies any (redemption,
// introspection, revocation by token), with the key found by kid and that key's algorithm only.

let world: InteropWorld;
let api: LocksmithApi;

beforeAll(async () => {
  world = await startInteropWorld();
  api = new LocksmithApi(world.locksmith.sut);
}, 120_000);
afterAll(() => world?.close());

const form = async (path: string, caller: ExamplePrincipal, token: string) =>
  request(world.locksmith.sut.locksmith.http)
    .post(path)
    .type("form")
    .send({
      token,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: await assertionFor(caller, TEST_ISSUER),
    });

test("each credential carries its resource server's algorithm and the kid of a JWKS key of that algorithm", async () => {
  const jwks = (await (await fetch(world.jwksUri)).json()) as { keys: { kid: string; alg: string; use: string }[] };

  for (const { token, alg } of [world.rs256, world.es256]) {
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg, typ: "at+jwt" });
    expect(jwks.keys.find((key) => key.kid === header.kid)).toMatchObject({ alg, use: "sig" });
  }
});

test("an RS256 credential is introspected and redeemed by its resource server; tampered, it is inactive", async () => {
  const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });

  expect((await form("/oauth/introspect", "crm-prod", issued.credential)).body).toMatchObject({ active: true, aud: world.rs256.audience });
  expect((await api.redeem("crm-prod", { credential: issued.credential })).body).toMatchObject({ active: true });
  expect((await form("/oauth/introspect", "crm-prod", tampered(issued.credential))).body).toEqual({ active: false });
});

test("an ES256 credential is redeemed by its resource server, and revoked by token by its holder", async () => {
  const issued = await api.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" });

  expect((await api.redeem("infra-staging", { credential: issued.credential })).body).toMatchObject({ active: true });
  expect((await form("/oauth/revoke", "staging-deploy-agent", issued.credential)).status).toBe(200);
  expect((await api.redeem("infra-staging", { credential: issued.credential })).body).toEqual({ active: false });
});

test("a genuine signature relabelled with another algorithm is inactive", async () => {
  const [header, payload, signature] = world.es256.token.split(".");
  const relabelled = { ...JSON.parse(Buffer.from(header, "base64url").toString()), alg: "RS256" };
  const token = `${Buffer.from(JSON.stringify(relabelled)).toString("base64url")}.${payload}.${signature}`;

  expect((await api.redeem("infra-staging", { credential: token })).body).toEqual({ active: false });
});
