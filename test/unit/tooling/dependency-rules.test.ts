import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = join(__dirname, "../../..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const FIXTURES = join(ROOT, "test/fixtures/dependency-rules");

interface Violation {
  readonly severity: string;
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Runs exactly what CI runs (`npm run lint:deps`: the CLI, its default reporter, its exit code) with the
 * project's own rules over a fixture tree; the rules' paths (`^src/...`, `^packages/...`) are relative to that tree.
 */
async function cruise(cwd: string): Promise<{ exitCode: number; violations: Violation[] }> {
  const run = promisify(execFile)(process.execPath, [DEPCRUISE, "--config", CONFIG, "src", "packages"], { cwd, maxBuffer: 16 << 20 });
  const { stdout, exitCode } = await run.then(
    ({ stdout }) => ({ stdout, exitCode: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, exitCode: error.code }),
  );
  // The reporter's lines: "  error <rule>: <from> → <to>".
  const violations = [...stdout.matchAll(/^\s*(error|warn|info) ([\w-]+): (\S+) → (\S+)$/gm)].map(([, severity, rule, from, to]) => ({
    severity,
    rule,
    from,
    to,
  }));
  return { exitCode, violations };
}

const errorRules = (require(CONFIG) as { forbidden: { name: string; severity: string }[] }).forbidden
  .filter((rule) => rule.severity === "error")
  .map((rule) => rule.name);

describe("the dependency rules (.dependency-cruiser.cjs)", () => {
  it("fail a tree in which the domain imports the HTTP layer, naming every rule the tree breaks", async () => {
    const { exitCode, violations } = await cruise(join(FIXTURES, "violating"));
    expect(exitCode).not.toBe(0);
    expect(violations).toContainEqual({ severity: "error", rule: "domain-stays-inside", from: "src/domain/decide.ts", to: "src/http/route.ts" });
    // Every error rule is live: the fixture breaks each one once.
    expect([...new Set(violations.map((v) => v.rule))].sort()).toEqual([...errorRules].sort());
  });

  it("pass a tree that keeps http → domain → store interfaces and standalone packages used by name", async () => {
    const { exitCode, violations } = await cruise(join(FIXTURES, "clean"));
    expect(violations).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("mark each broken rule in the violating fixture with a comment naming it", () => {
    // Keeps the fixture honest: a rule added to the config needs a line in the fixture that breaks it.
    const marked = errorRules.filter((name) =>
      [
        "src/domain/decide.ts",
        "src/domain/missing-import.ts",
        "src/http/route.ts",
        "src/stores/memory-store.ts",
        "src/demo/story.ts",
        "packages/client/src/sdk.ts",
        "packages/express/src/middleware.ts",
      ].some((file) => readFileSync(join(FIXTURES, "violating", file), "utf8").includes(`// ${name}`)),
    );
    expect(marked.sort()).toEqual([...errorRules].sort());
  });
});
