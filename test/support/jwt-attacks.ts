import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { SignJWT } from "jose";

/** A private Ed25519 JWK (with `d`). */
export interface Ed25519Jwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly d: string;
  readonly kid?: string;
}

const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64url");

/** A compact JWS over exactly the header and payload *text* given (so duplicate members survive), signed EdDSA with `key`. */
export function signRaw(headerJson: string, payloadJson: string, key: Ed25519Jwk): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  const signature = sign(null, Buffer.from(input), createPrivateKey({ key: key as never, format: "jwk" }));
  return `${input}.${signature.toString("base64url")}`;
}

/** A key pair nobody registered: the attacker's. */
export function attackerKey(): Ed25519Jwk {
  const { privateKey } = generateKeyPairSync("ed25519");
  return privateKey.export({ format: "jwk" }) as Ed25519Jwk;
}

function publicPart(key: Ed25519Jwk) {
  return { kty: key.kty, crv: key.crv, x: key.x };
}

/**
 * The RFC 8725 attack list as named variants of one token: `claims` (what a
 * legitimate token says) and `key` (its legitimate signing key). `victimPublic`
 * is the public key a verifier holds (the HMAC-with-public-key attack uses it as
 * the secret). `jkuTarget` is a URL a verifier must never fetch.
 */
export function attackVariants(claims: Record<string, unknown>, key: Ed25519Jwk, options: { typ?: string; jkuTarget: string }): [string, string][] {
  const header = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ alg: "EdDSA", ...(key.kid ? { kid: key.kid } : {}), ...(options.typ ? { typ: options.typ } : {}), ...extra });
  const payload = JSON.stringify(claims);
  const genuine = signRaw(header(), payload, key);
  const [h, p, s] = genuine.split(".");
  const attacker = attackerKey();
  const unsigned = (alg: string) => `${b64(JSON.stringify({ alg, ...(options.typ ? { typ: options.typ } : {}) }))}.${b64(payload)}.`;
  const publicPem = createPublicKey({ key: publicPart(key) as never, format: "jwk" }).export({ format: "pem", type: "spki" });
  const hmacWith = (secret: string | Buffer) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...(options.typ ? { typ: options.typ } : {}) }).sign(Buffer.from(secret));
  const nested = (depth: number): unknown => (depth === 0 ? { sub: "user" } : { sub: `agent-${depth}`, act: nested(depth - 1) });
  const variants: [string, string | Promise<string>][] = [
    ['alg "none"', unsigned("none")],
    ['alg "None"', unsigned("None")],
    ['alg "NONE"', unsigned("NONE")],
    ['alg "nOnE"', unsigned("nOnE")],
    ["HS256 keyed with the public key's PEM", hmacWith(publicPem)],
    ["HS256 keyed with the public key's x", hmacWith(Buffer.from(key.x, "base64url"))],
    ['alg outside the allow-list ("ES512" header, EdDSA signature)', `${b64(header({ alg: "ES512" }))}.${p}.${s}`],
    ['alg outside the allow-list ("RS256")', `${b64(header({ alg: "RS256" }))}.${p}.${s}`],
    ["signature stripped", `${h}.${p}.`],
    ["signature altered", `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`],
    ["payload altered, signature kept", `${h}.${b64(JSON.stringify({ ...claims, scope: "crm:delete crm:read" }))}.${s}`],
    ["embedded jwk of the attacker's key", signRaw(header({ jwk: publicPart(attacker), kid: undefined }), payload, attacker)],
    ["jku pointing at the attacker's key set", signRaw(header({ jku: options.jkuTarget }), payload, attacker)],
    ["x5u pointing at the attacker's certificate", signRaw(header({ x5u: options.jkuTarget }), payload, attacker)],
    ["x5c with a self-made certificate", signRaw(header({ x5c: [b64("not a certificate")] }), payload, attacker)],
    ["kid with a path traversal", signRaw(header({ kid: "../../../../dev/null" }), payload, attacker)],
    ["kid with SQL", signRaw(header({ kid: "' OR '1'='1" }), payload, attacker)],
    ["kid of 4 KiB", signRaw(header({ kid: "k".repeat(4096) }), payload, attacker)],
    ["crit naming an unknown extension", signRaw(header({ crit: ["x-locksmith-bypass"], "x-locksmith-bypass": true }), payload, key)],
    ["duplicate claim (iss twice)", signRaw(header(), payload.replace(/^\{/, `{"iss":"someone-else",`), key)],
    // The same name twice, once escaped: JSON.parse decodes both to "sub" and keeps the last (issue 18, item 14).
    ["duplicate claim, escaped (sub and \\u0073ub)", signRaw(header(), payload.replace(/^\{/, `{"\\u0073ub":"someone-else",`), key)],
    ["duplicate header member (alg twice)", signRaw(header().replace(/^\{/, '{"alg":"none",'), payload, key)],
    ["act nested 64 deep", signRaw(header(), JSON.stringify({ ...claims, act: nested(64) }), key)],
    ["oversized (10 KiB of padding claim)", signRaw(header(), JSON.stringify({ ...claims, pad: "x".repeat(10_240) }), key)],
    ["JWE compact serialisation (five parts)", `${b64(JSON.stringify({ alg: "dir", enc: "A256GCM" }))}..${b64("iv")}.${b64("ciphertext")}.${b64("tag")}`],
    ["JWS JSON serialisation", JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] })],
    ["JWS JSON serialisation, base64url-wrapped", b64(JSON.stringify({ payload: p, protected: h, signature: s }))],
  ];
  return variants.map(([name, token]) => [name, token]) as never;
}

/** attackVariants with every HMAC variant awaited. */
export async function resolvedAttackVariants(...args: Parameters<typeof attackVariants>): Promise<[string, string][]> {
  return Promise.all(attackVariants(...args).map(async ([name, token]) => [name, await token] as [string, string]));
}
