import { z } from "zod";
import { invalidRequest } from "../domain/errors";
import { MAX_SCOPES, resourceProblem, scopeProblem } from "../domain/policy/canonical-request";

/** 1 to 16 space-separated concrete scopes, each `<namespace>:<action>` (canonical-request.ts): wildcards belong in policy, not in requests. */
export const scopeList = z
  .string()
  .max(2048)
  .transform((value, ctx) => {
    const scopes = [...new Set(value.split(" ").filter(Boolean))];
    if (scopes.length === 0 || scopes.length > MAX_SCOPES) {
      ctx.addIssue({ code: "custom", message: `must be 1 to ${MAX_SCOPES} space-separated scopes, without wildcards` });
      return z.NEVER;
    }
    const problem = scopes.map(scopeProblem).find((p) => p !== undefined);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return scopes;
  });

/**
 * Text bound for the ledger or its filters. PostgreSQL's text type refuses NUL,
 * and an unpaired UTF-16 surrogate cannot be stored as sent: either would fail
 * (or silently change) the write, a caller's mistake answered as a store outage.
 * Every free-text field that reaches the ledger or a ledger query uses this.
 *
 * @example ledgerText(512).optional()   // a purpose, a comment, a filter value
 */
export const ledgerText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000\p{Cs}]*$/u, "must be text without NUL characters or unpaired surrogates");

/** One canonical resource (canonical-request.ts): no alias, wildcard or encoding, at most 512 characters. */
export const resource = z.string().superRefine((value, ctx) => {
  const problem = resourceProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Parses with a strict schema and turns the first problems into one 400 `invalid_request`. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.join(".");
    if (issue.code === "unrecognized_keys") return `unknown field(s): ${issue.keys.join(", ")}`;
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw invalidRequest(problems.join("; "));
}
