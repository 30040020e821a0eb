import type { RequestHandler } from "express";
import type { CallContext } from "../../domain/call-context";
import { checkRateLimits, rateLimitChecks } from "../../domain/limits/check-rate-limits";
import type { WindowCounter } from "../../domain/limits/window-counter";
import type { PolicySource } from "../../domain/policy/policy-source";
import type { Principal } from "../../domain/policy/policy";

/**
 * After authentication: counts the request against the bundle's `rate_limits`; over a limit → 429 with
 * Retry-After. Put on every endpoint an agent can mint, open an approval or revoke through, so they share
 * one budget (deferred to the use case's one store call where authentication deferred its replay check). Admins are not counted: they are few, hold no credentials, and incident response must not wait.
 */
export function rateLimit(policy: PolicySource, counter: WindowCounter): RequestHandler {
  return async (_req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const checks = (res.locals.call as CallContext | undefined)?.checks;
      // On the hot path the counts are made with the request's one store call (RequestGate), in the same order.
      if (principal.kind === "agent" && checks) checks.addLimits(rateLimitChecks(policy.current().rateLimits, principal));
      else if (principal.kind === "agent") await checkRateLimits(counter, policy.current().rateLimits, principal);
      next();
    } catch (error) {
      next(error);
    }
  };
}
