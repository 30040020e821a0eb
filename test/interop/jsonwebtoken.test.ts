import { createHmac } from "node:crypto";
import jwt, { type JwtHeader, type SigningKeyCallback } from "jsonwebtoken";
import { JwksClient } from "jwks-rsa";
import { startInteropWorld, tampered, type InteropWorld } from "../support/interop-world";

// A resource server on jsonwebtoken + jwks-rsa (no Ed25519) verifies Locksmith's RS256 and ES256
// credentials with the JWKS fetched over HTTP, audience and issuer checked.

let world: InteropWorld;
let client: JwksClient;

beforeAll(async () => {
  world = await startInteropWorld();
  client = new JwksClient({ jwksUri: world.jwksUri, cache: true, rateLimit: true });
}, 120_000);
afterAll(() => world?.close());

const getKey = (header: JwtHeader, callback: SigningKeyCallback) =>
  client.getSigningKey(header.kid).then(
    (key) => callback(null, key.getPublicKey()),
    (error: Error) => callback(error),
  );

const verify = (token: string, options: { audience: string; algorithms: jwt.Algorithm[] }) =>
  new Promise<jwt.JwtPayload>((resolve, reject) =>
    jwt.verify(token, getKey, { ...options, issuer: world.issuer }, (error, payload) => (error ? reject(error) : resolve(payload as jwt.JwtPayload))),
  );

describe.each(["rs256", "es256"] as const)("a %s credential", (which) => {
  test("verifies with the JWKS, its audience and the issuer", async () => {
    const { token, audience, alg } = world[which];

    const claims = await verify(token, { audience, algorithms: [alg] });

    expect(claims).toMatchObject({ iss: world.issuer, aud: audience, jti: expect.any(String), scope: expect.any(String) });
  });

  test("tampered, is refused", async () => {
    const { token, audience, alg } = world[which];

    await expect(verify(tampered(token), { audience, algorithms: [alg] })).rejects.toThrow("invalid signature");
  });

  test("for another audience, is refused", async () => {
    const { token, alg } = world[which];

    await expect(verify(token, { audience: "https://other.example.com", algorithms: [alg] })).rejects.toThrow(/audience invalid/);
  });
});

test("a Locksmith token of another algorithm than the server accepts is refused", async () => {
  await expect(verify(world.es256.token, { audience: world.es256.audience, algorithms: ["RS256"] })).rejects.toThrow("invalid algorithm");
});

test("HS256 keyed with Locksmith's published RSA key (algorithm confusion) is refused", async () => {
  const header = jwt.decode(world.rs256.token, { complete: true })!.header;
  const publicKey = (await client.getSigningKey(header.kid)).getPublicKey();
  const claims = jwt.decode(world.rs256.token) as jwt.JwtPayload;
  const forged = `${b64({ alg: "HS256", typ: "at+jwt", kid: header.kid })}.${b64(claims)}`;
  const token = `${forged}.${createHmac("sha256", publicKey).update(forged).digest("base64url")}`;

  await expect(verify(token, { audience: world.rs256.audience, algorithms: ["RS256"] })).rejects.toThrow("invalid algorithm");
});

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
