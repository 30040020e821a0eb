import type { KeyObject } from "node:crypto";
import type { JSONWebKeySet, JWK } from "jose";
import { ownVerificationKey, type VerificationKeys } from "../identity/verification-keys";
import { asKeyNeeds, DEFAULT_SIGNING_ALG, type KeyNeed, type SigningAlg } from "./signing-alg";

export type KeyStatus = "next" | "active" | "retiring" | "retired";

/** One environment's signing key of one algorithm, imported once when its source is read. */
export interface SigningKey {
  readonly kid: string;
  readonly environment: string;
  readonly alg: SigningAlg;
  readonly status: KeyStatus;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as published: `kty`, its parameters, `kid`, `alg`, `use: sig`. */
  readonly publicJwk: JWK;
  /** For a retiring key: when the last credential it can have signed expires (ms since epoch). */
  readonly retireAt?: number;
}

interface RingState {
  readonly active: ReadonlyMap<string, SigningKey>;
  readonly verifiers: ReadonlyMap<string, VerificationKeys>;
  readonly jwks: JSONWebKeySet;
  readonly published: readonly SigningKey[];
}

/**
 * The signing keys of every environment, one set per algorithm. Each
 * environment signs with its own active key of the algorithm the resource
 * server wants (environments are walls), and a token is verified only against
 * the keys of the environment it claims.
 *
 * Published (in the JWKS, accepted on redemption): `next` (so verifiers cache
 * it before it signs), `active`, and `retiring` until `retireAt` (the last
 * credential it signed has expired). `retired` keys are neither.
 *
 * `replace` swaps the whole ring in one assignment: a request that already
 * picked its key keeps it, the next one sees the new ring, no one sees half.
 */
export class KeyRing {
  private state: RingState;

  constructor(keys: readonly SigningKey[], now: number = Date.now()) {
    this.state = buildState(keys, now);
  }

  /** Installs a new set of keys atomically (a rotation seen on disk, a retirement due). */
  replace(keys: readonly SigningKey[], now: number = Date.now()): void {
    this.state = buildState(keys, now);
  }

  /** The public keys of every environment and algorithm, for `/.well-known/jwks.json`. */
  get jwks(): JSONWebKeySet {
    return this.state.jwks;
  }

  /** Every key currently published (next, active, retiring), for operators. */
  get published(): readonly SigningKey[] {
    return this.state.published;
  }

  /** The key that signs new `alg` credentials of `environment`, or undefined if it has none. */
  signingKey(environment: string, alg: SigningAlg = DEFAULT_SIGNING_ALG): SigningKey | undefined {
    return this.state.active.get(slot(environment, alg));
  }

  /**
   * Verification keys of one environment (active, next and retiring, every
   * algorithm), imported when the ring is built. A token's key is found by its
   * `kid` and its `alg` must be that key's: the algorithm comes from the key,
   * never from the header (RFC 8725 §3.1), so no token can make an RSA or EC
   * key verify under another algorithm (verify-credential.ts).
   */
  verificationKeys(environment: string): VerificationKeys | undefined {
    return this.state.verifiers.get(environment);
  }

  /** Needs (environments, or environment and algorithm) that have no active key, named `environment` or `environment (alg)`. */
  missing(wanted: readonly (string | KeyNeed)[]): string[] {
    return asKeyNeeds(wanted)
      .filter((need) => !this.state.active.has(slot(need.environment, need.alg)))
      .map((need) => (need.alg === DEFAULT_SIGNING_ALG ? need.environment : `${need.environment} (${need.alg})`));
  }
}

/** Whether a key still belongs in the JWKS at `now`. */
export function isPublished(key: SigningKey, now: number): boolean {
  if (key.status === "retired") return false;
  return key.status !== "retiring" || key.retireAt === undefined || key.retireAt > now;
}

const slot = (environment: string, alg: SigningAlg) => `${environment}\u0000${alg}`;

function buildState(keys: readonly SigningKey[], now: number): RingState {
  const published = keys.filter((key) => isPublished(key, now));
  const active = new Map<string, SigningKey>();
  for (const key of keys) if (key.status === "active") active.set(slot(key.environment, key.alg), key);
  const verifiers = new Map<string, VerificationKeys>();
  for (const environment of new Set(published.map((key) => key.environment))) {
    verifiers.set(
      environment,
      published.filter((key) => key.environment === environment).map((key) => ownVerificationKey(key.kid, key.alg, key.publicKey)),
    );
  }
  return { active, verifiers, jwks: { keys: published.map((key) => key.publicJwk) }, published };
}
