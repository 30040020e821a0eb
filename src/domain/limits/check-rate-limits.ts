import { LocksmithError } from "../errors";
import type { Principal } from "../policy/policy";
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
  if (!limits) return;
  await count(counter, `rl:agent:${agent.id}`, limits.perAgent, "agent");
  await count(counter, `rl:env:${agent.environment ?? ""}`, limits.perEnvironment, "environment");
}

async function count(counter: WindowCounter, key: string, limit: RateLimit | undefined, which: string): Promise<void> {
  if (!limit) return;
  const { count: hits, resetInMs } = await counter.hit(key, limit.windowSeconds * 1000);
  if (hits > limit.requests) throw new RateLimitedError(Math.max(1, Math.ceil(resetInMs / 1000)), which);
}
