import { createHmac } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader } from "jose";
import { credentialIdOf } from "../../../../src/domain/credentials/credential-id";
import type { CredentialServices } from "../../../../src/domain/credentials/credential-services";
import { mintCredential } from "../../../../src/domain/credentials/mint-credential";
import { signJwt } from "../../../../src/domain/credentials/sign-jwt";
import { verifyCredential } from "../../../../src/domain/credentials/verify-credential";
import { KeyRing, type SigningKey } from "../../../../src/domain/keys/key-ring";
import { SIGNING_ALGS, type SigningAlg } from "../../../../src/domain/keys/signing-alg";
import { verifyOffline } from "../../../../packages/express/src/verify-offline";
import { plainProtector } from "../../../../src/stores/keys/key-protector";
import { generateKeys, importKeys } from "../../../../src/stores/keys/keys-file";

// Every algorithm Locksmith signs with verifies at every place Locksmith checks its own tokens,
// and at none of them does a token choose its algorithm (RFC 8725 §3.1).

const ISSUER = "https://locksmith.test";
const AUDIENCE = "https://crm.example.com";
// Now, not a frozen time: the offline verifier reads the system clock.
const NOW = Math.floor(Date.now() / 1000);
const clock = { now: () => NOW * 1000 };
const expected = { issuer: ISSUER, audience: AUDIENCE, environment: "production" };

let ring: KeyRing;
let services: CredentialServices;

beforeAll(async () => {
  const needs = [...SIGNING_ALGS.map((alg) => ({ environment: "production", alg })), { environment: "staging", alg: "RS256" as const }];
  ring = new KeyRing(await importKeys(await generateKeys(needs, new Date(NOW * 1000)), plainProtector), NOW * 1000);
  services = { keys: ring, issuer: ISSUER, clock } as unknown as CredentialServices;
}, 30_000);

const mint = (alg: SigningAlg, environment = "production") =>
  mintCredential(ring, {
    issuer: ISSUER,
    agent: "support-agent",
    environment,
    audience: AUDIENCE,
    scope: "crm:read",
    resource: "crm:customers/42",
    ttl: 300,
    nowSeconds: NOW,
    alg,
  }).token;
const offline = (token: string) => verifyOffline(token, createLocalJWKSet(ring.jwks), { issuer: ISSUER, audience: AUDIENCE });
const key = (alg: SigningAlg) => ring.signingKey("production", alg) as SigningKey;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as Record<string, unknown>;

describe.each(SIGNING_ALGS)("a credential for a %s resource server", (alg) => {
  test("is signed with the environment's active key of that algorithm", () => {
    const header = decodeProtectedHeader(mint(alg));

    expect(header).toEqual({ alg, typ: "at+jwt", kid: key(alg).kid });
  });

  test("verifies at redemption and introspection, revocation by token, and offline", async () => {
    const token = mint(alg);

    await expect(verifyCredential(token, expected, ring, clock)).resolves.toMatchObject({ ok: true, claims: { sub: "support-agent" } });
    await expect(credentialIdOf(token, services)).resolves.toBe(claimsOf(token).jti);
    await expect(offline(token)).resolves.toMatchObject({ ok: true, claims: { agent: "support-agent" } });
  });
});

test("an RS256 credential signed by another environment's key does not verify in this one", async () => {
  // Production knows no key of that kid: the signature vouches for nothing here.
  const staging = mint("RS256", "staging");

  await expect(verifyCredential(staging, expected, ring, clock)).resolves.toEqual({ ok: false, reason: "bad_signature" });
});

test("the JWKS publishes every algorithm's key with kid, alg and use: sig, and no private part", () => {
  const published = ring.jwks.keys.filter((jwk) => ring.published.some((k) => k.kid === jwk.kid && k.environment === "production"));

  expect(published.map((jwk) => [jwk.alg, jwk.kty, jwk.use])).toEqual([
    ["EdDSA", "OKP", "sig"],
    ["ES256", "EC", "sig"],
    ["RS256", "RSA", "sig"],
  ]);
  for (const jwk of ring.jwks.keys) for (const part of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(jwk).not.toHaveProperty(part);
  const rsa = published.find((jwk) => jwk.kty === "RSA")!;
  expect(Buffer.from(rsa.n!, "base64url").length * 8).toBeGreaterThanOrEqual(3072);
});

describe("the algorithm comes from the key found by kid, never from the header", () => {
  const refusedEverywhere = async (token: string) => {
    await expect(verifyCredential(token, expected, ring, clock)).resolves.toMatchObject({ ok: false });
    await expect(credentialIdOf(token, services)).resolves.toBeUndefined();
    await expect(offline(token)).resolves.toMatchObject({ ok: false });
  };
  const claims = () => claimsOf(mint("EdDSA"));

  test("a genuine ES256 signature under the kid of the RS256 key is refused", async () => {
    await refusedEverywhere(signJwt("ES256", { typ: "at+jwt", kid: key("RS256").kid }, claims(), key("ES256").privateKey));
  });

  test("a genuine RS256 signature under the kid of the EdDSA key is refused", async () => {
    await refusedEverywhere(signJwt("RS256", { typ: "at+jwt", kid: key("EdDSA").kid }, claims(), key("RS256").privateKey));
  });

  test("HS256 keyed with the published RSA public key (algorithm confusion) is refused", async () => {
    const pem = key("RS256").publicKey.export({ type: "spki", format: "pem" });
    const input = `${b64({ alg: "HS256", typ: "at+jwt", kid: key("RS256").kid })}.${b64(claims())}`;
    const forged = `${input}.${createHmac("sha256", pem).update(input).digest("base64url")}`;

    await refusedEverywhere(forged);
  });

  test("alg none is refused", async () => {
    await refusedEverywhere(`${b64({ alg: "none", typ: "at+jwt", kid: key("EdDSA").kid })}.${b64(claims())}.`);
  });

  test("an altered payload under a genuine RS256 signature is refused", async () => {
    const [header, , signature] = mint("RS256").split(".");
    await refusedEverywhere(`${header}.${b64({ ...claims(), scope: "crm:refund" })}.${signature}`);
  });
});

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
