import type { KeyObject } from "node:crypto";
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";

export type KeyStatus = "next" | "active" | "retiring" | "retired";

/** One environment's signing key, imported once at start. */
export interface SigningKey {
  readonly kid: string;
  readonly environment: string;
  readonly status: KeyStatus;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

/**
 * The signing keys of every environment. Each environment signs with its own
 * active key (environments are walls), and a token is verified only against
 * the keys of the environment it claims.
 */
export class KeyRing {
  private readonly active = new Map<string, SigningKey>();
  private readonly verifiers = new Map<string, JWTVerifyGetKey>();
  readonly jwks: JSONWebKeySet;

  constructor(keys: readonly SigningKey[]) {
    const published = keys.filter((key) => key.status !== "retired");
    for (const key of keys) if (key.status === "active") this.active.set(key.environment, key);
    for (const environment of new Set(published.map((key) => key.environment))) {
      const set = { keys: published.filter((key) => key.environment === environment).map((key) => key.publicJwk) };
      this.verifiers.set(environment, createLocalJWKSet(set));
    }
    this.jwks = { keys: published.map((key) => key.publicJwk) };
  }

  /** The key that signs new credentials of `environment`, or undefined if it has none. */
  signingKey(environment: string): SigningKey | undefined {
    return this.active.get(environment);
  }

  /** Verification keys of one environment (active, next and retiring). */
  verifier(environment: string): JWTVerifyGetKey | undefined {
    return this.verifiers.get(environment);
  }

  /** Environments among `wanted` that have no active key. */
  missing(wanted: readonly string[]): string[] {
    return wanted.filter((environment) => !this.active.has(environment));
  }
}
