import type { Policy } from "../policy/policy";
import type { KeyStatus } from "./key-ring";

/** How long verifiers may cache the JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;
/** Clock skew allowed between Locksmith and verifiers when a key is retired. */
export const RETIRE_SKEW_SECONDS = 60;

/** The lifecycle fields of a stored key; the private part is the store's business. */
export interface KeyLifecycle {
  readonly environment: string;
  readonly kid: string;
  readonly status: KeyStatus;
  readonly created_at: string;
  /** Set when a key becomes `retiring`: no credential it signed lives past this (ISO time). */
  readonly retire_at?: string;
}

export interface RotationPlan<K extends KeyLifecycle> {
  readonly keys: K[];
  /** What happened to the environment: a next key was published, or next became active. */
  readonly outcome: "next_published" | "rotated";
  readonly activated?: string;
  readonly retiring?: string;
  readonly next: string;
  readonly retireAt?: string;
  /** Retiring keys (any environment) whose last credential has expired, now retired. */
  readonly retired: string[];
}

export class RotationRefused extends Error {}

/**
 * One rotation step for `environment` (next → active → retiring → retired):
 *
 * - without a `next` key, publishes one (it is in the JWKS, it signs nothing);
 * - with a `next` key published for at least the JWKS cache lifetime, makes it
 *   `active`, makes the old active key `retiring` until every credential it
 *   signed has expired (`longestLifetimeSeconds` + skew), and publishes a new
 *   `next`, so the following rotation is one step again;
 * - with a younger `next` key, refuses (verifiers might not know it yet)
 *   unless `force`.
 *
 * Every step also retires the retiring keys whose time has come. Pure: the
 * caller reads and writes the key source, and makes `newKey`.
 */
export async function planRotation<K extends KeyLifecycle>(
  current: readonly K[],
  environment: string,
  options: { now: Date; longestLifetimeSeconds: number; force?: boolean; newKey: (status: "next") => Promise<K> },
): Promise<RotationPlan<K>> {
  const now = options.now.getTime();
  const retired: string[] = [];
  let keys = current.map((key) => {
    if (key.status === "retiring" && key.retire_at !== undefined && Date.parse(key.retire_at) <= now) {
      retired.push(key.kid);
      return { ...key, status: "retired" as const };
    }
    return key;
  });
  const active = keys.find((key) => key.environment === environment && key.status === "active");
  if (!active) throw new RotationRefused(`environment ${environment} has no active key: run \`npx locksmith keys generate\` first`);
  const next = keys.find((key) => key.environment === environment && key.status === "next");
  if (!next) {
    const published = await options.newKey("next");
    return { keys: [...keys, published], outcome: "next_published", next: published.kid, retired };
  }
  const publishedFor = (now - Date.parse(next.created_at)) / 1000;
  if (publishedFor < JWKS_MAX_AGE_SECONDS && !options.force) {
    throw new RotationRefused(
      `the next key of ${environment} was published ${Math.floor(publishedFor)}s ago; verifiers may cache the JWKS for ${JWKS_MAX_AGE_SECONDS}s: rotate again after that (or force it)`,
    );
  }
  const retireAt = new Date(now + (options.longestLifetimeSeconds + RETIRE_SKEW_SECONDS) * 1000).toISOString();
  keys = keys.map((key) => {
    if (key === active) return { ...key, status: "retiring" as const, retire_at: retireAt };
    if (key === next) return { ...key, status: "active" as const };
    return key;
  });
  const following = await options.newKey("next");
  return { keys: [...keys, following], outcome: "rotated", activated: next.kid, retiring: active.kid, next: following.kid, retireAt, retired };
}

/**
 * The longest any credential of `policy` can live: every credential's ttl is
 * at most its grant's `max_ttl` (decide denies more), so a key retired this
 * long after it stopped signing has no live credential left.
 */
export function longestCredentialLifetime(policy: Policy): number {
  let longest = 0;
  for (const agent of policy.agents.values()) for (const grant of agent.grants) longest = Math.max(longest, grant.maxTtl);
  return longest;
}
