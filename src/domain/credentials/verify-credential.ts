import type { Clock } from "../clock";
import { compactJwtProblem } from "../identity/jwt-shape";
import { JwsRefused, verifyCompactJws } from "../identity/verify-compact-jws";
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

type Refusal = "malformed" | "expired" | "wrong_audience" | "bad_signature";

export type VerifyResult = { readonly ok: true; readonly claims: CredentialClaims } | { readonly ok: false; readonly reason: Refusal };

const MAX_CREDENTIAL_LENGTH = 8192;
const ALGORITHMS: ReadonlySet<string> = new Set(SIGNING_ALGS);
const CREDENTIAL_CLAIMS = ["exp", "iat", "jti", "sub", "client_id", "scope"];

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
  const checked = await ownTokenClaims(token, expected, keys, clock, CREDENTIAL_CLAIMS);
  if (!checked.ok) return checked;
  const { jti, sub, client_id, scope, resource, env, exp, iat, act } = checked.claims;
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
}

/**
 * The claims of a token Locksmith signed, after the checks jose's `jwtVerify`
 * made for us, in its order and with its outcomes: shape (jwt-shape.ts), then
 * the signature by a key of `environment` named by `kid` (node:crypto, off the
 * event loop), `typ` `at+jwt`, the required claims present, `iss`, `aud` (when
 * given), `iat` and `nbf` numbers, `nbf` not in the future, `exp` a number not
 * in the past. The one verification of Locksmith's own tokens: redemption,
 * introspection and revocation by token all come here.
 */
export async function ownTokenClaims(
  token: string,
  expected: { issuer: string; audience?: string; environment: string },
  keys: KeyRing,
  clock: Clock,
  required: readonly string[],
): Promise<{ ok: true; claims: Record<string, unknown> } | { ok: false; reason: Refusal }> {
  const ring = keys.verificationKeys(expected.environment);
  if (!ring || token.length > MAX_CREDENTIAL_LENGTH || compactJwtProblem(token)) return { ok: false, reason: "malformed" };
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    ({ header, payload: claims } = await verifyCompactJws(token, ring, ALGORITHMS, "required"));
  } catch (error) {
    if (!(error instanceof JwsRefused)) throw error;
    return { ok: false, reason: error.reason === "no_key" || error.reason === "bad_signature" ? "bad_signature" : "malformed" };
  }
  const refused = (reason: Refusal) => ({ ok: false as const, reason });
  if (typeof header.typ !== "string" || normalizedTyp(header.typ) !== "application/at+jwt") return refused("malformed");
  // jose checks presence in this order: iss, aud, then the required claims last to first.
  const presence = ["iss", ...(expected.audience === undefined ? [] : ["aud"]), ...[...required].reverse()];
  for (const claim of presence) if (!Object.hasOwn(claims, claim)) return refused(claim === "aud" ? "wrong_audience" : "malformed");
  if (claims.iss !== expected.issuer) return refused("malformed");
  if (expected.audience !== undefined && !hasAudience(claims.aud, expected.audience)) return refused("wrong_audience");
  const now = Math.floor(clock.now() / 1000);
  if (claims.iat !== undefined && typeof claims.iat !== "number") return refused("malformed");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > now)) return refused("malformed");
  if (claims.exp !== undefined && typeof claims.exp !== "number") return refused("malformed");
  if (typeof claims.exp === "number" && claims.exp <= now) return refused("expired");
  return { ok: true, claims };
}

/** jose's `typ` comparison: case-insensitive, `application/` implied when there is no slash (RFC 7515 §4.1.9). */
const normalizedTyp = (typ: string) => (typ.includes("/") ? typ.toLowerCase() : `application/${typ.toLowerCase()}`);

const hasAudience = (aud: unknown, audience: string) => aud === audience || (Array.isArray(aud) && aud.includes(audience));
