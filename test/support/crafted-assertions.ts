import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import { exampleKey, type ExamplePrincipal } from "./principals";

/** The claims of a well-formed assertion for `id`, valid now; override any of them (undefined drops one). */
export function assertionClaims(id: string, audience: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: id, sub: id, aud: audience, jti: randomUUID(), iat: now, exp: now + 60, ...overrides };
}

/**
 * An assertion with exactly the claims and header given, signed with the
 * example key of `signer`: for proving what authentication refuses.
 */
export async function craftAssertion(signer: ExamplePrincipal, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = exampleKey(signer);
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: key.kid, ...header }).sign(await importJWK(key, "EdDSA"));
}

/** An HS256 assertion keyed with a shared secret: Locksmith must never accept HMAC. */
export function hmacAssertion(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
}

/** An unsecured JWT (`alg: none`, empty signature). */
export function unsecuredAssertion(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none" })}.${part(claims)}.`;
}
