import { decodeJwt, errors, jwtVerify } from "jose";
import type { Clock } from "../clock";
import { LocksmithError } from "../errors";
import type { Entitlements, Policy } from "../policy/policy";
import { hasOnlyAudience } from "./token-audience";

/** A verified user token: who the agent acts for, what that person may do, and any earlier actors. */
export interface Delegation {
  readonly user: string;
  readonly identityProvider: string;
  readonly entitlements: Entitlements;
  /** The token's own `act` chain (RFC 8693 §4.1), kept nested under the agent in the minted token. */
  readonly act?: ActClaim;
}

export interface ActClaim {
  readonly sub: string;
  readonly act?: ActClaim;
}

const MAX_USER_TOKEN_LENGTH = 16_384;
/** Longer chains of actors are refused: each hop must be accountable, and the token stays small. */
export const MAX_ACT_DEPTH = 4;
const CLOCK_TOLERANCE_SECONDS = 30;

const invalidToken = (description: string) => new LocksmithError("invalid_token", description);

/**
 * Verifies a user token from a trusted identity provider: issuer known, signed
 * by one of its keys with an allowed algorithm, for its delegation audience and
 * no other (never an approver's sign-in, see token-audience.ts), not expired.
 * A token that fails is `invalid_token`; an IdP whose keys cannot be fetched
 * is `temporarily_unavailable` (503): fail closed, never a token on a guess.
 */
export async function verifyUserToken(token: string, policy: Policy, clock: Clock): Promise<Delegation> {
  if (token.length > MAX_USER_TOKEN_LENGTH) throw invalidToken("user token too large");
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw invalidToken("user token is not a compact JWT");
  }
  const idp = typeof iss === "string" ? policy.identityProviders?.get(iss) : undefined;
  if (!idp) throw invalidToken("user token is not from a trusted identity provider");
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, idp.keys, {
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: [...idp.algorithms],
      requiredClaims: ["sub", "exp"],
      currentDate: new Date(clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    throw fromJose(error, idp.id);
  }
  if (!hasOnlyAudience(claims, idp.audience)) throw invalidToken(`user token must have one audience, "${idp.audience}": a token for several is refused`);
  const user = claims.sub;
  if (typeof user !== "string" || user.length === 0 || user.length > 256) throw invalidToken("user token sub must be a string of 1 to 256 characters");
  const act = claims.act === undefined ? undefined : actChain(claims.act, 1);
  return { user, identityProvider: idp.id, entitlements: idp.entitlements(claims), act };
}

function actChain(value: unknown, depth: number): ActClaim {
  if (depth > MAX_ACT_DEPTH) throw invalidToken(`user token act chain is deeper than ${MAX_ACT_DEPTH}`);
  const claim = value as { sub?: unknown; act?: unknown } | null;
  if (typeof claim !== "object" || claim === null || typeof claim.sub !== "string") throw invalidToken("user token act claim must be an object with a sub");
  return claim.act === undefined ? { sub: claim.sub } : { sub: claim.sub, act: actChain(claim.act, depth + 1) };
}

/**
 * jose reports an unreachable key set as a time-out, a fetch TypeError, or a
 * bare JOSEError (non-200 answer, body not JSON); every other error is about the token.
 */
export function keysUnreachable(error: unknown): boolean {
  // By code and name, not instanceof: fetch's TypeError may come from another realm.
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "ERR_JWKS_TIMEOUT" || code === "ERR_JWKS_INVALID" || code === "ERR_JOSE_GENERIC" || (name === "TypeError" && code === undefined);
}

function fromJose(error: unknown, idp: string): LocksmithError {
  if (keysUnreachable(error)) {
    return new LocksmithError("temporarily_unavailable", `the keys of identity provider ${idp} cannot be fetched; nothing was issued, retry shortly`);
  }
  if (error instanceof errors.JWTExpired) return invalidToken("user token expired");
  if (error instanceof errors.JWTClaimValidationFailed) return invalidToken(`user token claim "${error.claim}" is invalid (${error.reason})`);
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken("user token algorithm is not allowed for this identity provider");
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken("no key of the identity provider matches the user token");
  return invalidToken("user token signature or format is invalid");
}
