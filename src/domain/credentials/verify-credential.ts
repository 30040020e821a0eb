import { errors, jwtVerify } from "jose";
import type { Clock } from "../clock";
import { compactJwtProblem } from "../identity/jwt-shape";
import type { KeyRing } from "../keys/key-ring";
import { SIGNING_ALGS } from "../keys/signing-alg";

/** The claims of a Locksmith credential that verified. */
export interface CredentialClaims {
  readonly jti: string;
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly environment: string;
  readonly expiresAt: number;
  readonly issuedAt: number;
  readonly audience: string;
  /** The person the agent acted for: `sub` when the token has an `act` claim. */
  readonly user?: string;
  readonly act?: Record<string, unknown>;
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: CredentialClaims }
  | { readonly ok: false; readonly reason: "malformed" | "expired" | "wrong_audience" | "bad_signature" };

const MAX_CREDENTIAL_LENGTH = 8192;

/**
 * Verifies a credential for one resource server: signed by a key of that
 * server's environment (so a staging key never vouches for production), an
 * `at+jwt` per RFC 9068 §4, this issuer, this audience, not expired.
 */
export async function verifyCredential(
  token: string,
  expected: { issuer: string; audience: string; environment: string },
  keys: KeyRing,
  clock: Clock,
): Promise<VerifyResult> {
  const verifier = keys.verifier(expected.environment);
  if (!verifier || token.length > MAX_CREDENTIAL_LENGTH) return { ok: false, reason: "malformed" };
  if (compactJwtProblem(token)) return { ok: false, reason: "malformed" };
  try {
    const { payload } = await jwtVerify(token, verifier, {
      issuer: expected.issuer,
      audience: expected.audience,
      typ: "at+jwt",
      // The ring's key function also demands the alg of the key found by kid (RFC 8725 §3.1).
      algorithms: [...SIGNING_ALGS],
      requiredClaims: ["exp", "iat", "jti", "sub", "client_id", "scope"],
      currentDate: new Date(clock.now()),
    });
    const { jti, sub, client_id, scope, resource, env, exp, iat, act } = payload as Record<string, unknown>;
    if (typeof scope !== "string" || typeof resource !== "string" || typeof jti !== "string" || env !== expected.environment) {
      return { ok: false, reason: "malformed" };
    }
    return {
      ok: true,
      claims: {
        jti,
        sub: String(sub),
        clientId: String(client_id),
        scopes: scope.split(" "),
        resource,
        environment: env,
        expiresAt: Number(exp),
        issuedAt: Number(iat),
        audience: expected.audience,
        ...(typeof act === "object" && act !== null ? { user: String(sub), act: act as Record<string, unknown> } : {}),
      },
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") return { ok: false, reason: "wrong_audience" };
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
      return { ok: false, reason: "bad_signature" };
    }
    return { ok: false, reason: "malformed" };
  }
}
