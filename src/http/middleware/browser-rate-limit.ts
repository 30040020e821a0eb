import type { RequestHandler } from "express";
import { RateLimitedError } from "../../domain/limits/check-rate-limits";
import type { WindowCounter } from "../../domain/limits/window-counter";

/** Requests per client address per minute to the pages anyone may open (authorize, sign-in callback, consent). */
export const BROWSER_REQUESTS_PER_MINUTE = 120;

/**
 * The people's pages answer anonymous requests and each one writes a ledger row (refusals are
 * recorded) or a short-lived ticket: counted per client address (shared by replicas through the
 * counter) so nobody can flood the ledger or Redis from one address. Over → 429 with Retry-After,
 * before anything is written.
 */
export function browserRateLimit(counter: WindowCounter): RequestHandler {
  return async (req, _res, next) => {
    try {
      const { count, resetInMs } = await counter.hit(`rl:browser:${req.ip ?? "unknown"}`, 60_000);
      if (count > BROWSER_REQUESTS_PER_MINUTE) throw new RateLimitedError(Math.max(1, Math.ceil(resetInMs / 1000)), "per-address");
      next();
    } catch (error) {
      next(error);
    }
  };
}
