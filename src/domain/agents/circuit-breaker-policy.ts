import { z } from "zod";
import { parseDuration } from "../duration";
import { compileScopePattern, type Glob } from "../policy/glob";

/**
 * Optional bundle section `circuit_breaker`: an agent whose denials, or whose
 * requests for destructive scopes, exceed a threshold within one window is
 * suspended automatically (the same suspension as `POST /v1/agents/{id}/suspend`).
 * Counted per agent in Redis, so the counts hold across replicas.
 *
 * @example
 * circuit_breaker:
 *   window: 1m
 *   max_denials: 20                       # the 21st denial in a minute trips it
 *   max_destructive_requests: 5           # the 6th request naming a destructive scope trips it
 *   destructive_scopes: ["*:delete", "*:drop"]
 *   suspend_for: 1h                       # absent: until an admin resumes the agent
 */
const seconds = (min: number, max: number, example: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const parsed = parseDuration(value);
    if (parsed === undefined || parsed < min || parsed > max) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a duration from ${min} s to ${max} s, e.g. ${example}` });
      return z.NEVER;
    }
    return parsed;
  });

const pattern = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces");
const threshold = z.number().int().min(1).max(1_000_000);

export const circuitBreakerSchema = z
  .object({
    window: seconds(1, 86_400, "30s / 1m / 1h"),
    max_denials: threshold.optional(),
    max_destructive_requests: threshold.optional(),
    destructive_scopes: z.array(pattern).min(1).optional(),
    suspend_for: seconds(1, 30 * 86_400, "15m / 1h / 24h").optional(),
  })
  .strict()
  .refine((spec) => spec.max_denials !== undefined || spec.max_destructive_requests !== undefined, "set max_denials, max_destructive_requests or both")
  .refine(
    (spec) => (spec.max_destructive_requests === undefined) === (spec.destructive_scopes === undefined),
    "max_destructive_requests and destructive_scopes go together",
  );

export interface CircuitBreakerPolicy {
  readonly windowSeconds: number;
  readonly maxDenials?: number;
  readonly maxDestructiveRequests?: number;
  /** Scope patterns, matched like a grant's `scopes` (glob.ts): `*:delete` counts `files/objects:delete` too. */
  readonly destructiveScopes: readonly Glob[];
  /** Absent: the suspension lasts until an admin resumes the agent. */
  readonly suspendForSeconds?: number;
}

export function compileCircuitBreaker(spec: z.infer<typeof circuitBreakerSchema> | undefined): CircuitBreakerPolicy | undefined {
  if (!spec) return undefined;
  return {
    windowSeconds: spec.window,
    maxDenials: spec.max_denials,
    maxDestructiveRequests: spec.max_destructive_requests,
    destructiveScopes: (spec.destructive_scopes ?? []).map(compileScopePattern),
    suspendForSeconds: spec.suspend_for,
  };
}
