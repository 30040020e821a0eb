import type { KeyObject } from "node:crypto";
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";

export type KeyStatus = "next" | "active" | "retiring" | "retired";

/** One environment's signing key, imported once when its source is read. */
export interface SigningKey {
  readonly kid: string;
  readonly environment: string;
  readonly status: KeyStatus;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
  /** For a retiring key: when the last credential it can have signed expires (ms since epoch). */
  readonly retireAt?: number;
}

interface RingState {
  readonly active: ReadonlyMap<string, SigningKey>;
  readonly verifiers: ReadonlyMap<string, JWTVerifyGetKey>;
  readonly jwks: JSONWebKeySet;
  readonly published: readonly SigningKey[];
}

/**
 * The signing keys of every environment. Each environment signs with its own
 * active key (environments are walls), and a token is verified only against
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

  /** The public keys of every environment, for `/.well-known/jwks.json`. */
  get jwks(): JSONWebKeySet {
    return this.state.jwks;
  }

  /** Every key currently published (next, active, retiring), for operators. */
  get published(): readonly SigningKey[] {
    return this.state.published;
  }

  /** The key that signs new credentials of `environment`, or undefined if it has none. */
  signingKey(environment: string): SigningKey | undefined {
    return this.state.active.get(environment);
  }

  /** Verification keys of one environment (active, next and retiring). */
  verifier(environment: string): JWTVerifyGetKey | undefined {
    return this.state.verifiers.get(environment);
  }

  /** Environments among `wanted` that have no active key. */
  missing(wanted: readonly string[]): string[] {
    return wanted.filter((environment) => !this.state.active.has(environment));
  }
}

/** Whether a key still belongs in the JWKS at `now`. */
export function isPublished(key: SigningKey, now: number): boolean {
  if (key.status === "retired") return false;
  return key.status !== "retiring" || key.retireAt === undefined || key.retireAt > now;
}

function buildState(keys: readonly SigningKey[], now: number): RingState {
  const published = keys.filter((key) => isPublished(key, now));
  const active = new Map<string, SigningKey>();
  for (const key of keys) if (key.status === "active") active.set(key.environment, key);
  const verifiers = new Map<string, JWTVerifyGetKey>();
  for (const environment of new Set(published.map((key) => key.environment))) {
    const set = { keys: published.filter((key) => key.environment === environment).map((key) => key.publicJwk) };
    verifiers.set(environment, createLocalJWKSet(set));
  }
  return { active, verifiers, jwks: { keys: published.map((key) => key.publicJwk) }, published };
}
