import type { RequestHandler } from "express";
import { checkRateLimits } from "../../domain/limits/check-rate-limits";
import type { WindowCounter } from "../../domain/limits/window-counter";
import type { PolicySource } from "../../domain/policy/policy-source";
import type { Principal } from "../../domain/policy/policy";

/** After authentication: counts the request against the bundle's `rate_limits`; over a limit → 429 with Retry-After. */
export function rateLimit(policy: PolicySource, counter: WindowCounter): RequestHandler {
  return async (_req, res, next) => {
    try {
      await checkRateLimits(counter, policy.current().rateLimits, res.locals.principal as Principal);
      next();
    } catch (error) {
      next(error);
    }
  };
}
