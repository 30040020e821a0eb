import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";

/** What a verified credential says. */
export interface CredentialClaims {
  readonly jti: string;
  readonly agent: string;
  /** The person the agent acts for, when delegated (`sub` ≠ `client_id`). */
  readonly user?: string;
  readonly scope: readonly string[];
  readonly resource: string;
  readonly environment: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export type OfflineResult =
  | { readonly ok: true; readonly claims: CredentialClaims }
  | { readonly ok: false; readonly unavailable?: true; readonly description: string };

/** The algorithms Locksmith signs credentials with (each key of its JWKS names one). */
const SIGNING_ALGS = ["EdDSA", "ES256", "RS256"];

/** Locksmith's JWKS, cached; an unknown `kid` refetches it (at most every 30 s), so a rotated key is picked up. */
export const remoteKeys = (url: string): JWTVerifyGetKey =>
  createRemoteJWKSet(new URL("/.well-known/jwks.json", url), { cooldownDuration: 30_000, timeoutDuration: 5000 });

/**
 * Verifies a credential without calling Locksmith: an RFC 9068 `at+jwt`,
 * signed by a key of the JWKS, this issuer, this audience, not expired.
 * Locksmith publishes every key with its `alg`, and jose takes a key only
 * when its `alg` is the token's: EdDSA, ES256 or RS256 as the key says
 * (RFC 8725 §3.1); `none` and HMAC never.
 */
export async function verifyOffline(token: string, keys: JWTVerifyGetKey, expected: { issuer: string; audience: string }): Promise<OfflineResult> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: expected.issuer,
      audience: expected.audience,
      typ: "at+jwt",
      algorithms: SIGNING_ALGS,
      requiredClaims: ["exp", "iat", "jti", "sub", "client_id", "scope"],
    });
    const { jti, sub, client_id, scope, resource, env, iat, exp } = payload as Record<string, unknown>;
    if (typeof jti !== "string" || typeof scope !== "string" || typeof resource !== "string" || typeof env !== "string" || typeof client_id !== "string") {
      return { ok: false, description: "the token lacks Locksmith's claims" };
    }
    const claims = { jti, agent: client_id, scope: scope.split(" "), resource, environment: env, issuedAt: Number(iat), expiresAt: Number(exp) };
    return { ok: true, claims: sub !== client_id ? { ...claims, user: String(sub) } : claims };
  } catch (error) {
    return describe(error);
  }
}

function describe(error: unknown): OfflineResult {
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === "ERR_JWKS_INVALID")) {
    return { ok: false, unavailable: true, description: "Locksmith's keys cannot be fetched" };
  }
  if ((error as Error)?.name === "TypeError") return { ok: false, unavailable: true, description: "Locksmith's keys cannot be fetched" };
  if (error instanceof errors.JWTExpired) return { ok: false, description: "the token expired" };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return { ok: false, description: "the token was not issued for this server" };
    if (error.claim === "typ") return { ok: false, description: "the token is not an at+jwt access token" };
    return { ok: false, description: `the token's "${error.claim}" claim is invalid` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { ok: false, description: "the token's algorithm is not accepted" };
  return { ok: false, description: "the token's signature or format is invalid" };
}
