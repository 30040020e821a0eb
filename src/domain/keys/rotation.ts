import type { Policy } from "../policy/policy";
import type { KeyStatus } from "./key-ring";
import { DEFAULT_SIGNING_ALG, SIGNING_ALGS, type SigningAlg } from "./signing-alg";

/** How long verifiers may cache the JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;
/** Clock skew allowed between Locksmith and verifiers when a key is retired. */
export const RETIRE_SKEW_SECONDS = 60;

/** The lifecycle fields of a stored key; the private part is the store's business. */
export interface KeyLifecycle {
  readonly environment: string;
  readonly kid: string;
  /** Absent in keys files written before algorithms: EdDSA. */
  readonly alg?: SigningAlg;
  readonly status: KeyStatus;
  readonly created_at: string;
  /** Set when a key becomes `retiring`: no credential it signed lives past this (ISO time). */
  readonly retire_at?: string;
}

/** What one algorithm's keys of the environment did in a rotation step. */
export interface AlgorithmStep {
  readonly alg: SigningAlg;
  /** `added`: the environment had no key of this algorithm (a resource server now asks for it), so one signs from now on. */
  readonly outcome: "next_published" | "rotated" | "added";
  readonly activated?: string;
  readonly retiring?: string;
  readonly next?: string;
}

export interface RotationPlan<K extends KeyLifecycle> {
  readonly keys: K[];
  /** What happened to the environment: a next key was published, or next became active (for any algorithm). */
  readonly outcome: "next_published" | "rotated";
  /** Kids, space-separated when the environment has keys of several algorithms (as are `retiring` and `next`). */
  readonly activated?: string;
  readonly retiring?: string;
  readonly next: string;
  readonly retireAt?: string;
  /** Retiring keys (any environment) whose last credential has expired, now retired. */
  readonly retired: string[];
  /** The step of each algorithm, EdDSA first. */
  readonly algorithms: AlgorithmStep[];
}

export class RotationRefused extends Error {}

export const algOf = (key: KeyLifecycle): SigningAlg => key.alg ?? DEFAULT_SIGNING_ALG;

/**
 * One rotation step for `environment` (next → active → retiring → retired),
 * taken by the keys of every algorithm together:
 *
 * - without a `next` key, publishes one (it is in the JWKS, it signs nothing);
 * - with a `next` key published for at least the JWKS cache lifetime, makes it
 *   `active`, makes the old active key `retiring` until every credential it
 *   signed has expired (`longestLifetimeSeconds` + skew), and publishes a new
 *   `next`, so the following rotation is one step again;
 * - with a younger `next` key (of any algorithm), refuses (verifiers might not
 *   know it yet) unless `force`; nothing changes;
 * - for an algorithm of `algorithms` the environment has no key of, adds an
 *   active one: no credential of that algorithm exists yet, and verifiers
 *   fetch the JWKS again for an unknown `kid`.
 *
 * Every step also retires the retiring keys whose time has come. Pure: the
 * caller reads and writes the key source, and makes `newKey`.
 */
export async function planRotation<K extends KeyLifecycle>(
  current: readonly K[],
  environment: string,
  options: {
    now: Date;
    longestLifetimeSeconds: number;
    force?: boolean;
    /** The algorithms the environment must sign with (default: EdDSA); those it already has keys of rotate too. */
    algorithms?: readonly SigningAlg[];
    newKey: (status: "active" | "next", alg: SigningAlg) => Promise<K>;
  },
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
  const find = (alg: SigningAlg, status: KeyStatus) => keys.find((key) => key.environment === environment && algOf(key) === alg && key.status === status);
  const held = keys.filter((key) => key.environment === environment && key.status === "active").map(algOf);
  if (held.length === 0) throw new RotationRefused(`environment ${environment} has no active key: run \`npx locksmith keys generate\` first`);
  const algorithms = SIGNING_ALGS.filter((alg) => held.includes(alg) || (options.algorithms ?? [DEFAULT_SIGNING_ALG]).includes(alg));
  // Refuse before anything changes: the algorithms of an environment rotate together or not at all.
  for (const alg of algorithms) {
    const next = find(alg, "next");
    const publishedFor = next ? (now - Date.parse(next.created_at)) / 1000 : Infinity;
    if (publishedFor < JWKS_MAX_AGE_SECONDS && !options.force) {
      throw new RotationRefused(
        `the next ${alg} key of ${environment} was published ${Math.floor(publishedFor)}s ago; verifiers may cache the JWKS for ${JWKS_MAX_AGE_SECONDS}s: rotate again after that (or force it)`,
      );
    }
  }
  const retireAt = new Date(now + (options.longestLifetimeSeconds + RETIRE_SKEW_SECONDS) * 1000).toISOString();
  const steps: AlgorithmStep[] = [];
  for (const alg of algorithms) {
    const active = find(alg, "active");
    const next = find(alg, "next");
    if (!active) {
      const added = await options.newKey("active", alg);
      keys = [...keys, added];
      steps.push({ alg, outcome: "added", activated: added.kid });
    } else if (!next) {
      const published = await options.newKey("next", alg);
      keys = [...keys, published];
      steps.push({ alg, outcome: "next_published", next: published.kid });
    } else {
      keys = keys.map((key) => {
        if (key === active) return { ...key, status: "retiring" as const, retire_at: retireAt };
        if (key === next) return { ...key, status: "active" as const };
        return key;
      });
      const following = await options.newKey("next", alg);
      keys = [...keys, following];
      steps.push({ alg, outcome: "rotated", activated: next.kid, retiring: active.kid, next: following.kid });
    }
  }
  const rotated = steps.some((step) => step.outcome === "rotated");
  const joined = (field: "activated" | "retiring" | "next") => steps.flatMap((step) => (step[field] === undefined ? [] : [step[field]])).join(" ") || undefined;
  return {
    keys,
    outcome: rotated ? "rotated" : "next_published",
    ...(joined("activated") === undefined ? {} : { activated: joined("activated") }),
    ...(joined("retiring") === undefined ? {} : { retiring: joined("retiring") }),
    next: joined("next") ?? "",
    ...(rotated ? { retireAt } : {}),
    retired,
    algorithms: steps,
  };
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
