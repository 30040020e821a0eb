import type { Clock } from "../clock";
import { invalidClient } from "../errors";
import type { Policy, Principal } from "../policy/policy";
import { authenticateWorkload, workloadIssuerOf } from "./authenticate-workload";
import { compactJwtProblem } from "./jwt-shape";
import type { ReplayGuard } from "./replay-guard";
import { JwsRefused, verifyCompactJws } from "./verify-compact-jws";

/** Assertions live at most this long (`exp - iat`), so replay memory stays small. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_ASSERTION_LENGTH = 8192;
/** Agents and resource servers sign with these; `none` and HMAC never verify. */
export const ASSERTION_ALGORITHMS = ["EdDSA", "Ed25519", "ES256"];
const ALLOWED_ALGORITHMS: ReadonlySet<string> = new Set(ASSERTION_ALGORITHMS);
/** No `typ`, or plain JWT: never an access token (`at+jwt`) replayed as an assertion (RFC 8725 §3.11). */
const ASSERTION_TYPS = [undefined, "jwt"];

export interface AuthenticationContext {
  readonly issuer: string;
  readonly replay: ReplayGuard;
  readonly clock: Clock;
}

/**
 * Authenticates a caller by its signed assertion (private_key_jwt, RFC 7523
 * style): `iss` = `sub` = a principal of the policy, signed by one of its
 * registered keys, `aud` = this Locksmith, at most five minutes of lifetime,
 * and a `jti` accepted once across all replicas. Anything else is
 * `invalid_client`, with a description that never echoes the assertion.
 */
export async function authenticate(assertion: string, policy: Policy, context: AuthenticationContext): Promise<Principal> {
  const workload = assertion.length <= MAX_ASSERTION_LENGTH ? workloadIssuerOf(assertion, policy) : undefined;
  if (workload) return authenticateWorkload(assertion, workload, policy, context);
  const principal = findPrincipal(assertion, policy);
  const claims = await verify(assertion, principal, context);
  const nowSeconds = context.clock.now() / 1000;
  if (claims.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw invalidClient("assertion issued in the future");
  if (claims.exp - claims.iat > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw invalidClient(`assertion lifetime (exp - iat) exceeds ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  if (typeof claims.jti !== "string" || claims.jti.length === 0 || claims.jti.length > 128) {
    throw invalidClient("assertion jti must be a string of 1 to 128 characters");
  }
  const rememberMs = Math.ceil((claims.exp + CLOCK_TOLERANCE_SECONDS - nowSeconds) * 1000);
  if (!(await context.replay.firstUse(`${principal.id}:${claims.jti}`, rememberMs))) {
    throw invalidClient("assertion already used: sign a new one with a fresh jti for every call");
  }
  return principal;
}

function findPrincipal(assertion: string, policy: Policy): Principal {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw invalidClient("assertion too large");
  const problem = compactJwtProblem(assertion, ASSERTION_TYPS);
  if (problem) throw invalidClient(`assertion refused: ${problem}`);
  const iss = payloadOf(assertion).iss;
  const principal = typeof iss === "string" ? policy.principals.get(iss) : undefined;
  if (!principal) throw invalidClient(NOT_ACCEPTED);
  return principal;
}

/** The unverified payload, only to find whose keys to verify with (compactJwtProblem has checked it is a JSON object). */
function payloadOf(assertion: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(assertion.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

type AssertionClaims = Record<string, unknown> & { exp: number; iat: number; jti?: unknown };

/** The signature with node:crypto (keys imported at policy load), then the claim checks jose made, in its order. */
async function verify(assertion: string, principal: Principal, context: AuthenticationContext): Promise<AssertionClaims> {
  let claims: Record<string, unknown>;
  try {
    claims = (await verifyCompactJws(assertion, principal.keys, ALLOWED_ALGORITHMS)).payload;
  } catch (error) {
    if (error instanceof JwsRefused) throw invalidClient(NOT_ACCEPTED);
    throw error;
  }
  for (const claim of ["iss", "sub", "aud", "jti", "iat", "exp"]) {
    if (!Object.hasOwn(claims, claim)) throw claimInvalid(claim, "missing");
  }
  if (claims.iss !== principal.id) throw claimInvalid("iss", "check_failed");
  if (claims.sub !== principal.id) throw claimInvalid("sub", "check_failed");
  if (!hasAudience(claims.aud, context.issuer)) {
    // The issuer is public (it is in the metadata): saying it turns a dead end into a fix (LOCKSMITH_ISSUER / --issuer).
    throw invalidClient(`assertion claim "aud" is invalid: expected "${context.issuer}", Locksmith's issuer`);
  }
  const now = Math.floor(context.clock.now() / 1000);
  if (typeof claims.iat !== "number" || !Number.isFinite(claims.iat)) throw claimInvalid("iat", "invalid");
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== "number" || !Number.isFinite(claims.nbf)) throw claimInvalid("nbf", "invalid");
    if (claims.nbf > now + CLOCK_TOLERANCE_SECONDS) throw claimInvalid("nbf", "check_failed");
  }
  if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) throw claimInvalid("exp", "invalid");
  if (claims.exp <= now - CLOCK_TOLERANCE_SECONDS) throw invalidClient("assertion expired");
  return claims as AssertionClaims;
}

const hasAudience = (aud: unknown, issuer: string) => aud === issuer || (Array.isArray(aud) && aud.includes(issuer));

/** Claims are read only after the signature verified, so only these failures may say more than NOT_ACCEPTED. */
const claimInvalid = (claim: string, reason: "missing" | "check_failed" | "invalid") => invalidClient(`assertion claim "${claim}" is invalid (${reason})`);

/**
 * One text for every assertion refused before its signature is proven (unknown
 * `iss`, wrong key, kid or algorithm, bad signature): what someone without the
 * key reads must not tell an existing principal from an unknown one.
 */
const NOT_ACCEPTED = `assertion not accepted: iss must name a client of the policy, signed (${ASSERTION_ALGORITHMS.join(", ")}) with one of its registered keys`;
