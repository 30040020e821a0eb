import { readFile } from "node:fs/promises";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import { bundleSchema } from "./bundle-schema";
import { compilePolicy } from "./compile-policy";
import { demoKeysProblem } from "./demo-keys";
import type { Policy } from "./policy";

/** A bundle that cannot be used; `problems` are lines like `file:12 roles.x.grants[0].max_ttl: ...`. */
export class PolicyLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid policy bundle ${file}:\n  ${problems.join("\n  ")}`);
    this.name = "PolicyLoadError";
  }
}

/**
 * Reads, validates and compiles a policy bundle file. Throws PolicyLoadError naming every problem.
 * `refuseDemoKeys` (every mode but dev) also refuses a bundle registering a demo key of examples/keys/.
 */
export async function loadPolicyFile(file: string, options: { refuseDemoKeys?: boolean } = {}): Promise<Policy> {
  const text = (await readFile(file)).toString("utf8");
  const policy = parsePolicy(text, file);
  const demo = options.refuseDemoKeys ? demoKeysProblem(text) : undefined;
  if (demo) throw new PolicyLoadError(file, [`${file}:1 ${demo}`]);
  return policy;
}

/** Validates and compiles bundle text; `file` only names it in messages. */
export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyLoadError(
      file,
      // linePos is only filled in with prettyErrors, which would put a code frame in the message.
      doc.errors.map((error) => `${file}:${lines.linePos(error.pos[0]).line} YAML: ${error.message.split("\n")[0]}`),
    );
  }
  const where = locator(doc, lines, file);
  const parsed = bundleSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new PolicyLoadError(
      file,
      parsed.error.issues.map((issue) => {
        // Point at the unknown field itself (its own line), not at the object holding it.
        const path = issue.code === "unrecognized_keys" ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
        return `${where(path as (string | number)[])}: ${issue.message}`;
      }),
    );
  }
  const compiled = compilePolicy(parsed.data, text, file);
  if (!compiled.ok) {
    throw new PolicyLoadError(
      file,
      compiled.problems.map((problem) => `${where(problem.path)}: ${problem.message}`),
    );
  }
  return compiled.policy;
}

/** Turns a path in the bundle into `file:line path.to[0].field`, using the nearest node that exists. */
export function locator(doc: Document, lines: LineCounter, file: string) {
  return (path: (string | number)[]) => {
    let line: number | undefined;
    for (let depth = path.length; depth >= 0 && line === undefined; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) line = lines.linePos(node.range[0]).line;
    }
    const dotted = path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${part}`))
      .join("")
      .replace(/^\./, "");
    return `${file}:${line ?? 1} ${dotted || "(top level)"}`;
  };
}
