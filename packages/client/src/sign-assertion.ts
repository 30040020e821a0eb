import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";

/** A principal's private key as a JWK: Ed25519 (`OKP`) or P-256 (`EC`). */
export type PrivateJwk = JWK & { d: string };

/**
 * Signs the assertion that authenticates one call to Locksmith: `iss` = `sub`
 * = your id, `aud` = Locksmith's issuer URL, a fresh `jti`, 60 seconds of
 * life. Sign a new one for every call: Locksmith accepts each `jti` once.
 *
 * @example
 * const assertion = await signAssertion({ id: "support-agent", key, audience: "http://localhost:8080" });
 * fetch(url, { headers: { authorization: `Bearer ${assertion}` } });
 */
export async function signAssertion(options: { id: string; key: PrivateJwk; audience: string; lifetimeSeconds?: number }): Promise<string> {
  const alg = options.key.kty === "EC" ? "ES256" : "EdDSA";
  const key = await importJWK(options.key, alg);
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(options.key.kid ? { kid: options.key.kid } : {}) })
    .setIssuer(options.id)
    .setSubject(options.id)
    .setAudience(options.audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${options.lifetimeSeconds ?? 60}s`)
    .sign(key);
}
