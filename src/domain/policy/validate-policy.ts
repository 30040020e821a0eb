import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { bundleSchema } from "./bundle-schema";
import { lintBundle } from "./lint-bundle";
import { locator, parsePolicy, PolicyLoadError } from "./load-policy";
import type { Policy } from "./policy";

/** The validator's verdict on one bundle: errors refuse it, warnings are for the reviewer. */
export interface Validation {
  readonly file: string;
  readonly policy?: Policy;
  /** `file:line path: message`, one per problem; non-empty means Locksmith refuses the bundle. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Validates a bundle file as Locksmith would load it, then lints it. */
export async function validatePolicyFile(file: string): Promise<Validation> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { file, errors: [`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`], warnings: [] };
  }
  return validatePolicyText(text, file);
}

export function validatePolicyText(text: string, file: string): Validation {
  let policy: Policy;
  try {
    policy = parsePolicy(text, file);
  } catch (error) {
    if (error instanceof PolicyLoadError) return { file, errors: error.problems, warnings: [] };
    throw error;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const where = locator(doc, lines, file);
  const warnings = lintBundle(bundleSchema.parse(doc.toJS())).map((p) => `${where(p.path)}: ${p.message}`);
  return { file, policy, errors: [], warnings };
}
