import type { Redis } from "ioredis";

/**
 * Locksmith's Redis keys must never be evicted early: an evicted replay marker
 * (`seen:…`) would let a captured assertion be replayed, and an evicted
 * credential (`cred:{jti}`) would lose its use count and revocation. Only
 * `noeviction` guarantees that (a full Redis then refuses writes, which
 * Locksmith answers with 503). Read through INFO, which managed Redis services
 * allow even where CONFIG is disabled.
 *
 * Returns the policy found, or a sentence saying why it is unsafe.
 */
export async function checkNoEviction(redis: Redis): Promise<{ ok: true } | { ok: false; problem: string }> {
  const info = await redis.info("memory");
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === "noeviction") return { ok: true };
  return {
    ok: false,
    problem: policy
      ? `Redis evicts keys under memory pressure (maxmemory-policy ${policy}): set maxmemory-policy noeviction, or replay markers and credential state could vanish early`
      : "cannot read Redis's maxmemory-policy from INFO memory: Locksmith needs maxmemory-policy noeviction",
  };
}
