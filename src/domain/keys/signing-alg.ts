import type { Policy } from "../policy/policy";

/**
 * The algorithms Locksmith signs credentials with. EdDSA (Ed25519) is the
 * default: small keys, fast deterministic signatures, no parameter choices to
 * get wrong. ES256 and RS256 exist for verifiers that lack Ed25519 (RFC 9068
 * §2.1: resource servers MUST support RS256). `none` and HMAC are never here:
 * a verifier holding only public keys could not check a MAC, and a MAC keyed
 * with a public key is the classic algorithm-confusion forgery (RFC 8725 §2.1).
 */
export const SIGNING_ALGS = ["EdDSA", "ES256", "RS256"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const DEFAULT_SIGNING_ALG: SigningAlg = "EdDSA";

/** An environment that must have an active key of `alg`. */
export interface KeyNeed {
  readonly environment: string;
  readonly alg: SigningAlg;
}

/**
 * The keys a policy needs: an EdDSA key in every environment (the default,
 * and what every keys file has had since the first release) and a key of each
 * `token_signing_alg` its resource servers declare.
 */
export function keysNeeded(policy: Pick<Policy, "environments" | "resourceServers">): KeyNeed[] {
  const needs = new Map<string, KeyNeed>();
  const add = (environment: string, alg: SigningAlg) => needs.set(`${environment} ${alg}`, { environment, alg });
  for (const environment of policy.environments) add(environment, DEFAULT_SIGNING_ALG);
  for (const rs of policy.resourceServers) add(rs.environment, rs.signingAlg ?? DEFAULT_SIGNING_ALG);
  return [...needs.values()];
}

/** The algorithms one environment signs with under `policy`, EdDSA first. */
export function algorithmsOf(policy: Pick<Policy, "environments" | "resourceServers">, environment: string): SigningAlg[] {
  return keysNeeded(policy)
    .filter((need) => need.environment === environment)
    .map((need) => need.alg);
}

/** Strings stand for an environment's default (EdDSA) key, as callers that predate algorithms pass them. */
export const asKeyNeeds = (needs: readonly (string | KeyNeed)[]): KeyNeed[] =>
  needs.map((need) => (typeof need === "string" ? { environment: need, alg: DEFAULT_SIGNING_ALG } : need));
