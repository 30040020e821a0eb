import { decodeJwt, errors, jwtVerify } from "jose";
import type { Clock } from "../clock";
import { invalidClient, LocksmithError, StoreUnavailableError } from "../errors";
import type { Policy, Principal } from "../policy/policy";
import { authenticateWorkload, workloadIssuerOf } from "./authenticate-workload";
import { compactJwtProblem } from "./jwt-shape";
import type { ReplayGuard } from "./replay-guard";

/** Assertions live at most this long (`exp - iat`), so replay memory stays small. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_ASSERTION_LENGTH = 8192;
/** Agents and resource servers sign with these; `none` and HMAC never verify. */
export const ASSERTION_ALGORITHMS = ["EdDSA", "Ed25519", "ES256"];
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
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw invalidClient("assertion is not a compact JWT");
  }
  const principal = typeof iss === "string" ? policy.principals.get(iss) : undefined;
  if (!principal) throw invalidClient(NOT_ACCEPTED);
  return principal;
}

async function verify(assertion: string, principal: Principal, context: AuthenticationContext) {
  try {
    const { payload } = await jwtVerify(assertion, principal.keys, {
      issuer: principal.id,
      subject: principal.id,
      audience: context.issuer,
      algorithms: ASSERTION_ALGORITHMS,
      requiredClaims: ["iss", "sub", "aud", "exp", "iat", "jti"],
      currentDate: new Date(context.clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    return payload as typeof payload & { exp: number; iat: number };
  } catch (error) {
    if (error instanceof LocksmithError) throw error;
    if (error instanceof StoreUnavailableError) throw error;
    throw invalidClient(describeJoseError(error, context.issuer));
  }
}

/**
 * One text for every assertion refused before its signature is proven (unknown
 * `iss`, wrong key, kid or algorithm, bad signature): what someone without the
 * key reads must not tell an existing principal from an unknown one.
 */
const NOT_ACCEPTED = `assertion not accepted: iss must name a client of the policy, signed (${ASSERTION_ALGORITHMS.join(", ")}) with one of its registered keys`;

/** jose checks the claims only after the signature verified, so only those failures may say more. */
function describeJoseError(error: unknown, issuer: string): string {
  if (error instanceof errors.JWTExpired) return "assertion expired";
  // The issuer is public (it is in the metadata): saying it turns a dead end into a fix (LOCKSMITH_ISSUER / --issuer).
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud")
    return `assertion claim "aud" is invalid: expected "${issuer}", Locksmith's issuer`;
  if (error instanceof errors.JWTClaimValidationFailed) return `assertion claim "${error.claim}" is invalid (${error.reason})`;
  return NOT_ACCEPTED;
}
