import { randomUUID } from "node:crypto";
import { LocksmithError } from "../errors";
import type { ActClaim } from "../identity/verify-user-token";
import type { KeyRing } from "../keys/key-ring";
import { DEFAULT_SIGNING_ALG, type SigningAlg } from "../keys/signing-alg";
import { signJwt } from "./sign-jwt";

export interface MintInput {
  readonly issuer: string;
  readonly agent: string;
  readonly environment: string;
  readonly audience: string;
  readonly scope: string;
  readonly resource: string;
  readonly ttl: number;
  readonly nowSeconds: number;
  /** The person the agent acts for: then `sub` is the user and `act` names the agent. */
  readonly user?: string;
  /** Earlier actors of the user token, nested under the agent (RFC 8693 §4.1). */
  readonly act?: ActClaim;
  /** The resource server's `token_signing_alg`; absent: EdDSA. */
  readonly alg?: SigningAlg;
}

export interface MintedCredential {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: number;
}

/** A credential whose claims and key are fixed but which is not signed yet: its jti can be stored first. */
export interface DraftCredential {
  readonly jti: string;
  readonly expiresAt: number;
  sign(): MintedCredential;
}

/**
 * Mints an RFC 9068 JWT access token (`typ: at+jwt`), signed with the active
 * key of the agent's environment for the resource server's algorithm. `sub` and `client_id` are the agent when it
 * acts for itself. Acting for a user, `sub` is the user and `act` is
 * `{sub: agent}` with any incoming chain nested inside (RFC 8693 §4.1), while
 * `client_id` stays the agent. `resource` and `env` are Locksmith's own claims.
 */
export function mintCredential(keys: KeyRing, input: MintInput): MintedCredential {
  return draftCredential(keys, input).sign();
}

/**
 * `mintCredential` in two steps, for the hand-out: the jti (and the key,
 * whose absence fails here) before the request's store call, the signature
 * after it admitted the request — a refused request (replay, rate limit,
 * suspension) costs no signature and no token exists for it.
 */
export function draftCredential(keys: KeyRing, input: MintInput): DraftCredential {
  const alg = input.alg ?? DEFAULT_SIGNING_ALG;
  const key = keys.signingKey(input.environment, alg);
  // The policy is refused while a key it needs is missing, so this is a fault, not a caller's mistake.
  if (!key) throw new LocksmithError("server_error", `no ${alg} signing key for the environment`);
  const jti = randomUUID();
  const expiresAt = input.nowSeconds + input.ttl;
  const claims = {
    iss: input.issuer,
    sub: input.user ?? input.agent,
    aud: input.audience,
    exp: expiresAt,
    iat: input.nowSeconds,
    nbf: input.nowSeconds,
    jti,
    client_id: input.agent,
    scope: input.scope,
    resource: input.resource,
    env: input.environment,
    ...(input.user === undefined ? {} : { act: input.act ? { sub: input.agent, act: input.act } : { sub: input.agent } }),
  };
  return { jti, expiresAt, sign: () => ({ token: signJwt(alg, { typ: "at+jwt", kid: key.kid }, claims, key.privateKey), jti, expiresAt }) };
}
