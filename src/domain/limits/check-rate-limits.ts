import { LocksmithError } from "../errors";
import type { Principal } from "../policy/policy";
import type { LimitCheck } from "../credentials/request-gate";
import type { RateLimit, RateLimits } from "./rate-limits";
import type { WindowCounter } from "./window-counter";

/** Over a rate limit: 429 with `Retry-After` (seconds until the window resets). */
export class RateLimitedError extends LocksmithError {
  constructor(
    readonly retryAfterSeconds: number,
    which: string,
  ) {
    super("too_many_requests", `${which} rate limit reached; retry after ${retryAfterSeconds} s`);
    this.name = "RateLimitedError";
  }
}

/**
 * Counts one credential request against the agent's limit, then its
 * environment's. An agent over its own limit does not consume its
 * environment's budget, so one runaway agent cannot starve its neighbours.
 */
export async function checkRateLimits(counter: WindowCounter, limits: RateLimits | undefined, agent: Principal): Promise<void> {
  for (const check of rateLimitChecks(limits, agent)) {
    const { count: hits, resetInMs } = await counter.hit(check.key, check.windowMs);
    if (hits > check.max) throw new RateLimitedError(Math.max(1, Math.ceil(resetInMs / 1000)), check.which);
  }
}

/**
 * The counts of one request, in the order they are made (agent, then environment). The agent's key carries
 * its id as the Redis Cluster hash tag, so it shares a slot with the agent's suspension and breaker counts.
 */
export function rateLimitChecks(limits: RateLimits | undefined, agent: Principal): LimitCheck[] {
  if (!limits) return [];
  const checks: LimitCheck[] = [];
  const add = (key: string, limit: RateLimit | undefined, which: string) => {
    if (limit) checks.push({ key, windowMs: limit.windowSeconds * 1000, max: limit.requests, which });
  };
  add(`rl:agent:{${agent.id}}`, limits.perAgent, "agent");
  add(`rl:env:${agent.environment ?? ""}`, limits.perEnvironment, "environment");
  return checks;
}
