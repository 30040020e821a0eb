import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { credentialIdOf } from "../../../../src/domain/credentials/credential-id";
import type { CredentialServices } from "../../../../src/domain/credentials/credential-services";
import { signJwt } from "../../../../src/domain/credentials/sign-jwt";
import { verifyCredential } from "../../../../src/domain/credentials/verify-credential";
import { KeyRing, type SigningKey } from "../../../../src/domain/keys/key-ring";
import { SIGNING_ALGS, type SigningAlg } from "../../../../src/domain/keys/signing-alg";
import { plainProtector } from "../../../../src/stores/keys/key-protector";
import { generateKeys, importKeys } from "../../../../src/stores/keys/keys-file";

// Locksmith's own tokens are verified with node:crypto (verify-credential.ts), no longer with jose's
// jwtVerify. The reference below is the jose call the code made before, with the key function the
// ring had: every crafted token must get the same outcome from both.

const ISSUER = "https://locksmith.test";
const AUDIENCE = "https://crm.example.com";
const NOW = 1_800_000_000;
const clock = { now: () => NOW * 1000 };
const expected = { issuer: ISSUER, audience: AUDIENCE, environment: "production" };

let ring: KeyRing;
let keys: SigningKey[];

beforeAll(async () => {
  const needs = [...SIGNING_ALGS.map((alg) => ({ environment: "production", alg })), { environment: "staging", alg: "EdDSA" as const }];
  keys = await importKeys(await generateKeys(needs, new Date(NOW * 1000)), plainProtector);
  ring = new KeyRing(keys, NOW * 1000);
}, 30_000);

/** The key function the ring gave jose: by kid within the environment, and the header alg must be the key's. */
const joseKeyFunction =
  (environment: string): JWTVerifyGetKey =>
  (header) => {
    const key = keys.find((k) => k.environment === environment && k.kid === header.kid);
    if (!key || header.alg !== key.alg) throw new errors.JWKSNoMatchingKey();
    return key.publicKey;
  };

async function joseReference(token: string, audience: string | undefined, required: string[]): Promise<string> {
  try {
    const { payload } = await jwtVerify(token, joseKeyFunction("production"), {
      issuer: ISSUER,
      ...(audience === undefined ? {} : { audience }),
      typ: "at+jwt",
      algorithms: [...SIGNING_ALGS],
      requiredClaims: required,
      currentDate: new Date(NOW * 1000),
    });
    return `ok ${String(payload.jti)}`;
  } catch (error) {
    if (error instanceof errors.JWTExpired) return "expired";
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") return "wrong_audience";
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return "bad_signature";
    return "malformed";
  }
}

const production = (alg: SigningAlg) => keys.find((k) => k.environment === "production" && k.alg === alg && k.status === "active") as SigningKey;
const goodClaims = () => ({
  iss: ISSUER,
  sub: "support-agent",
  aud: AUDIENCE,
  client_id: "support-agent",
  scope: "crm:read",
  resource: "crm:customers/42",
  env: "production",
  jti: "jti-1",
  iat: NOW - 10,
  exp: NOW + 300,
});
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, alg: SigningAlg = "EdDSA", key = production(alg)) =>
  signJwt(alg, { typ: "at+jwt", kid: key.kid, ...header }, claims, key.privateKey);
const without = (claim: string) => Object.fromEntries(Object.entries(goodClaims()).filter(([name]) => name !== claim));

const cases: [string, () => string][] = [
  ["a good EdDSA credential", () => sign(goodClaims())],
  ["a good ES256 credential", () => sign(goodClaims(), {}, "ES256")],
  ["a good RS256 credential", () => sign(goodClaims(), {}, "RS256")],
  ["typ in capitals", () => sign(goodClaims(), { typ: "AT+JWT" })],
  ["typ with its media type", () => sign(goodClaims(), { typ: "application/at+jwt" })],
  ["typ JWT", () => sign(goodClaims(), { typ: "JWT" })],
  ["no typ", () => sign(goodClaims(), { typ: undefined })],
  ["typ a number", () => sign(goodClaims(), { typ: 1 })],
  ["no kid", () => sign(goodClaims(), { kid: undefined })],
  ["an unknown kid", () => sign(goodClaims(), { kid: "nobody" })],
  ["a staging key", () => sign(goodClaims(), {}, "EdDSA", keys.find((k) => k.environment === "staging") as SigningKey)],
  ["the ES256 key's kid under EdDSA", () => sign(goodClaims(), { kid: production("ES256").kid })],
  ["alg Ed25519 for the EdDSA key", () => tamperHeader(sign(goodClaims()), { alg: "Ed25519" })],
  ["alg none", () => tamperHeader(sign(goodClaims()), { alg: "none" })],
  ["alg HS256", () => tamperHeader(sign(goodClaims()), { alg: "HS256" })],
  ["a tampered payload", () => tamperPayload(sign(goodClaims()), { ...goodClaims(), scope: "crm:write" })],
  ["a cut signature", () => sign(goodClaims()).slice(0, -4)],
  ["another issuer", () => sign({ ...goodClaims(), iss: "https://evil.example" })],
  ["another audience", () => sign({ ...goodClaims(), aud: "https://other.example" })],
  ["the audience in a list", () => sign({ ...goodClaims(), aud: ["https://other.example", AUDIENCE] })],
  ["expired", () => sign({ ...goodClaims(), exp: NOW - 1 })],
  ["expiring this second", () => sign({ ...goodClaims(), exp: NOW })],
  ["exp a string", () => sign({ ...goodClaims(), exp: String(NOW + 300) })],
  ["iat a string", () => sign({ ...goodClaims(), iat: "yesterday" })],
  ["nbf in the future", () => sign({ ...goodClaims(), nbf: NOW + 60 })],
  ["nbf now", () => sign({ ...goodClaims(), nbf: NOW })],
  ["nbf a string", () => sign({ ...goodClaims(), nbf: "soon" })],
  ["expired and another audience", () => sign({ ...goodClaims(), exp: NOW - 1, aud: "https://other.example" })],
  ["another issuer and no aud", () => sign({ ...without("aud"), iss: "https://evil.example" })],
  ...["iss", "aud", "scope", "client_id", "sub", "jti", "iat", "exp"].map((claim): [string, () => string] => [`no ${claim}`, () => sign(without(claim))]),
  ["no aud and no scope", () => sign(Object.fromEntries(Object.entries(without("aud")).filter(([name]) => name !== "scope")))],
  ["a payload that is a list", () => sign([1, 2] as unknown as Record<string, unknown>)],
  ["crit", () => sign(goodClaims(), { crit: ["exp"] })],
];

function tamperHeader(token: string, header: Record<string, unknown>): string {
  const [encoded, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(encoded, "base64url").toString()) as Record<string, unknown>;
  return [Buffer.from(JSON.stringify({ ...decoded, ...header })).toString("base64url"), payload, signature].join(".");
}
function tamperPayload(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  return [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
}

describe.each(cases)("%s", (_name, make) => {
  test("redemption's verification gives jose's outcome", async () => {
    const token = make();
    const ours = await verifyCredential(token, expected, ring, clock);
    expect(ours.ok ? `ok ${ours.claims.jti}` : ours.reason).toBe(await joseReference(token, AUDIENCE, ["exp", "iat", "jti", "sub", "client_id", "scope"]));
  });

  test("revocation by token finds the jti exactly when jose would", async () => {
    const token = make();
    const services = { keys: ring, issuer: ISSUER, clock } as unknown as CredentialServices;
    const reference = await joseReference(token, undefined, ["jti"]);
    expect((await credentialIdOf(token, services)) ?? "none").toBe(reference.startsWith("ok ") ? reference.slice(3) : "none");
  });
});

test("the cases cover every outcome", async () => {
  const outcomes = new Set(await Promise.all(cases.map(([, make]) => verifyCredential(make(), expected, ring, clock).then((r) => (r.ok ? "ok" : r.reason)))));
  expect([...outcomes].sort()).toEqual(["bad_signature", "expired", "malformed", "ok", "wrong_audience"]);
});
