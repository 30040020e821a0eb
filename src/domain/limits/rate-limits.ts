import { z } from "zod";
import { parseDuration } from "../duration";

/**
 * Optional bundle section `rate_limits`: how many credential requests an agent,
 * and all agents of one environment together, may make per window. Held in
 * Redis, so the limits hold across replicas.
 *
 * @example
 * rate_limits:
 *   per_agent: { requests: 60, window: 1m }
 *   per_environment: { requests: 1000, window: 1m }
 */
const limit = z
  .object({
    requests: z.number().int().min(1).max(1_000_000),
    window: z.union([z.number(), z.string()]).transform((value, ctx) => {
      const seconds = parseDuration(value);
      if (seconds === undefined || seconds < 1 || seconds > 86_400) {
        ctx.addIssue({ code: "custom", message: `"${value}" is not a window: use 1 second to 24h, e.g. 30s / 1m / 1h` });
        return z.NEVER;
      }
      return seconds;
    }),
  })
  .strict();

export const rateLimitsSchema = z.object({ per_agent: limit.optional(), per_environment: limit.optional() }).strict();

export interface RateLimit {
  readonly requests: number;
  readonly windowSeconds: number;
}

export interface RateLimits {
  readonly perAgent?: RateLimit;
  readonly perEnvironment?: RateLimit;
}

export function compileRateLimits(spec: z.infer<typeof rateLimitsSchema> | undefined): RateLimits | undefined {
  if (!spec) return undefined;
  const compile = (l?: { requests: number; window: number }) => (l ? { requests: l.requests, windowSeconds: l.window } : undefined);
  return { perAgent: compile(spec.per_agent), perEnvironment: compile(spec.per_environment) };
}
