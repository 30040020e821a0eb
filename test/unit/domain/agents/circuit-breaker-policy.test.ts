import { readFileSync } from "node:fs";
import { parsePolicy, PolicyLoadError } from "../../../../src/domain/policy/load-policy";
import { EXAMPLE_POLICY } from "../../../support/principals";

// The bundle's `circuit_breaker` section: compiled once at load, refused as a whole when wrong.

const withBreaker = (section: string) => `${readFileSync(EXAMPLE_POLICY, "utf8")}\ncircuit_breaker:\n${section}`;

function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, "policy.yaml");
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.problems;
    throw error;
  }
  throw new Error("the bundle loaded, but it should have been refused");
}

test("compiles the window, thresholds, destructive scope patterns and suspension length", () => {
  const policy = parsePolicy(
    withBreaker('  window: 2m\n  max_denials: 3\n  max_destructive_requests: 1\n  destructive_scopes: ["*:delete"]\n  suspend_for: 1h\n'),
    "policy.yaml",
  );
  const breaker = policy.circuitBreaker!;
  expect(breaker).toMatchObject({ windowSeconds: 120, maxDenials: 3, maxDestructiveRequests: 1, suspendForSeconds: 3600 });
  expect(breaker.destructiveScopes.map((glob) => glob.matches("crm:delete"))).toEqual([true]);
  expect(breaker.destructiveScopes.map((glob) => glob.matches("crm:read"))).toEqual([false]);
});

test("a bundle without the section has no breaker", () => {
  expect(parsePolicy(readFileSync(EXAMPLE_POLICY, "utf8"), "policy.yaml").circuitBreaker).toBeUndefined();
});

test.each([
  ["no threshold at all", "  window: 1m\n", "set max_denials"],
  ["destructive requests without their scopes", "  window: 1m\n  max_destructive_requests: 2\n", "go together"],
  ["a window that is not a duration", "  window: soon\n  max_denials: 2\n", "not a duration"],
  ["a zero threshold", "  window: 1m\n  max_denials: 0\n", "circuit_breaker.max_denials"],
  ["a misspelt field", "  window: 1m\n  max_denial: 2\n", "max_denial"],
])("refuses %s", (_name, section, expected) => {
  expect(problemsOf(withBreaker(section)).join("\n")).toContain(expected);
});
