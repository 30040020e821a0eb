import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { parseDuration } from "../duration";
import { explainRequest } from "./explain";
import type { Policy } from "./policy";

const caseSchema = z
  .object({
    name: z.string().min(1),
    agent: z.string().min(1),
    /** The user the agent acts for holds these scopes (delegation narrows to them). */
    user_entitlements: z.array(z.string()).optional(),
    request: z.object({ scope: z.string().min(1), resource: z.string().min(1), ttl: z.union([z.number(), z.string()]).optional() }).strict(),
    expect: z.enum(["allow", "deny", "pending_approval"]),
    /** The deny reason expected, e.g. `environment_wall`. */
    reason: z.string().optional(),
  })
  .strict();

const fileSchema = z
  .object({
    /** The bundle under test, relative to the test file. */
    policy: z.string().min(1).optional(),
    /** Folder of `<agent>.jwk.json` private keys, relative to the test file, for `--live`. */
    keys: z.string().min(1).optional(),
    cases: z.array(caseSchema).min(1),
  })
  .strict();

export type BoundaryCase = z.infer<typeof caseSchema>;

export interface BoundaryTestFile {
  readonly file: string;
  readonly policyFile?: string;
  readonly keysDir?: string;
  readonly cases: readonly BoundaryCase[];
}

export interface CaseResult {
  readonly case: BoundaryCase;
  readonly pass: boolean;
  /** What happened, e.g. `deny (environment_wall)`. */
  readonly actual: string;
  readonly skipped?: string;
}

/** Reads a boundary-test file: `{policy?, keys?, cases: [...]}` or a bare list of cases. Throws with `file: path: message`. */
export async function loadBoundaryTests(file: string): Promise<BoundaryTestFile> {
  const raw = parse(await readFile(file, "utf8"));
  const parsed = fileSchema.safeParse(Array.isArray(raw) ? { cases: raw } : raw);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map(
          (i) =>
            `${file}: ${i.path
              .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
              .join("")
              .replace(/^\./, "")}: ${i.message}`,
        )
        .join("\n"),
    );
  }
  const near = (path?: string) => (path === undefined ? undefined : resolve(dirname(file), path));
  return { file, policyFile: near(parsed.data.policy), keysDir: near(parsed.data.keys), cases: parsed.data.cases };
}

/** Runs one case against a loaded bundle, offline. */
export function runCaseOffline(policy: Policy, c: BoundaryCase): CaseResult {
  const ttl = c.request.ttl === undefined ? undefined : parseDuration(c.request.ttl);
  const scopes = c.request.scope.split(" ").filter(Boolean);
  const { decision } = explainRequest(policy, c.agent, { scopes, resource: c.request.resource, ttl }, c.user_entitlements);
  const actual = decision.outcome === "deny" ? `deny (${decision.reason})` : decision.outcome;
  return { case: c, actual, pass: matches(c, decision.outcome, decision.outcome === "deny" ? decision.reason : undefined) };
}

/** Whether an outcome (and deny reason) is what the case expects. */
export const matches = (c: BoundaryCase, outcome: string, reason?: string) => outcome === c.expect && (c.reason === undefined || c.reason === reason);
