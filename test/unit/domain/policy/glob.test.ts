import fc from "fast-check";
import { compileResourcePattern, compileScopePattern, matchesAny } from "../../../../src/domain/policy/glob";
import { referenceMatch } from "../../support/reference-glob";

const matches = (pattern: string, value: string) => compileResourcePattern(pattern).matches(value);
const scopeMatches = (pattern: string, value: string) => compileScopePattern(pattern).matches(value);

describe("compileResourcePattern", () => {
  describe("a pattern without wildcards", () => {
    it("matches only the identical string", () => {
      expect(matches("crm:read", "crm:read")).toBe(true);
      expect(matches("crm:read", "crm:read2")).toBe(false);
      expect(matches("crm:read", "xcrm:read")).toBe(false);
      expect(matches("crm:read", "")).toBe(false);
    });

    it("is case-sensitive", () => {
      expect(matches("crm:read", "CRM:read")).toBe(false);
      expect(matches("crm:customers/*", "crm:Customers/42")).toBe(false);
    });
  });

  describe("`*`", () => {
    it("covers one path segment: crm:customers/* covers crm:customers/42", () => {
      expect(matches("crm:customers/*", "crm:customers/42")).toBe(true);
    });

    it("does not cross a slash: crm:customers/* does not cover crm:customers/42/notes", () => {
      expect(matches("crm:customers/*", "crm:customers/42/notes")).toBe(false);
    });

    it("may match an empty run", () => {
      expect(matches("crm:customers/*", "crm:customers/")).toBe(true);
      expect(matches("crm:customers/*", "crm:customers")).toBe(false);
    });

    it("can stand in the middle of a pattern", () => {
      expect(matches("crm:customers/*/notes", "crm:customers/42/notes")).toBe(true);
      expect(matches("crm:customers/*/notes", "crm:customers/42/43/notes")).toBe(false);
    });
  });

  describe("`**`", () => {
    it("crosses slashes: crm:** covers crm:customers/42/notes", () => {
      expect(matches("crm:**", "crm:customers/42/notes")).toBe(true);
      expect(matches("crm:**", "crm:")).toBe(true);
      expect(matches("crm:**", "infra:crm:x")).toBe(false);
    });

    it("alone covers every string, including the empty one", () => {
      expect(matches("**", "")).toBe(true);
      expect(matches("**", "a/b/c:d")).toBe(true);
    });

    it("in the middle covers any number of segments but keeps the literal text around it", () => {
      expect(matches("infra:**/deploy", "infra:a/b/c/deploy")).toBe(true);
      expect(matches("infra:**/deploy", "infra:/deploy")).toBe(true);
      expect(matches("infra:**/deploy", "infra:deploy")).toBe(false);
      expect(matches("infra:**/deploy", "infra:a/b/deployed")).toBe(false);
    });
  });

  describe("characters that are special in regular expressions", () => {
    it.each([
      [".", "crm:cust.mers/*", "crm:cust.mers/1", "crm:custXmers/1"],
      ["?", "crm:item?/*", "crm:item?/1", "crm:ite/1"],
      ["[ ]", "crm:[ab]/*", "crm:[ab]/1", "crm:a/1"],
      ["( ) |", "crm:(a|b)/*", "crm:(a|b)/1", "crm:a/1"],
      ["+", "crm:a+/*", "crm:a+/1", "crm:aa/1"],
      ["{ }", "crm:a{2}/*", "crm:a{2}/1", "crm:aa/1"],
      ["^ $", "^crm$:*", "^crm$:x", "crm:x"],
      ["\\", "crm:a\\d/*", "crm:a\\d/1", "crm:a5/1"],
    ])("treats %s as a literal", (_name, pattern, literal, regexReading) => {
      expect(matches(pattern, literal)).toBe(true);
      expect(matches(pattern, regexReading)).toBe(false);
    });

    it("treats them as literals in patterns without any `*` too", () => {
      expect(matches("crm:a.b", "crm:a.b")).toBe(true);
      expect(matches("crm:a.b", "crm:axb")).toBe(false);
      expect(matches("crm:[ab]", "crm:a")).toBe(false);
    });
  });

  it("matches the whole string, never a part of it", () => {
    expect(matches("crm:*", "xcrm:read")).toBe(false);
    expect(matches("*:read", "crm:read/more")).toBe(false);
    expect(matches("crm:customers/*", "x/crm:customers/42")).toBe(false);
    expect(matches("read*", "xread")).toBe(false);
  });

  it("keeps the pattern text as its source", () => {
    expect(compileResourcePattern("crm:customers/*").source).toBe("crm:customers/*");
  });

  it("reads a run of three or more `*` as `**`", () => {
    expect(matches("crm:***", "crm:a/b")).toBe(true);
    expect(matches("crm:a/***/z", "crm:a/b/c/z")).toBe(true);
  });
});

describe("compileScopePattern: a scope is <namespace>:<action>, and `*` spans any run, `/` included", () => {
  it("*:delete covers every delete scope, whatever its namespace holds, and nothing else", () => {
    expect(scopeMatches("*:delete", "crm:delete")).toBe(true);
    expect(scopeMatches("*:delete", "files/objects:delete")).toBe(true);
    expect(scopeMatches("*:delete", "a.b/c-d/e:delete")).toBe(true);
    expect(scopeMatches("*:delete", "crm:delete-all")).toBe(false);
    expect(scopeMatches("*:delete", "crm:read")).toBe(false);
    expect(scopeMatches("*:delete", "crm:undelete")).toBe(false);
  });

  it("crm:* covers every action of the crm namespace, and only of it", () => {
    expect(scopeMatches("crm:*", "crm:read")).toBe(true);
    expect(scopeMatches("crm:*", "crm:orders/refund")).toBe(true);
    expect(scopeMatches("crm:*", "crmx:read")).toBe(false);
    expect(scopeMatches("crm:*", "files/crm:read")).toBe(false);
  });

  it("files/*:read covers files/objects:read and deeper namespaces", () => {
    expect(scopeMatches("files/*:read", "files/objects:read")).toBe(true);
    expect(scopeMatches("files/*:read", "files/a/b:read")).toBe(true);
    expect(scopeMatches("files/*:read", "files:read")).toBe(false);
  });

  it("`*` and `**` alone cover every scope", () => {
    expect(scopeMatches("*", "crm:read")).toBe(true);
    expect(scopeMatches("**", "files/objects:delete")).toBe(true);
  });

  it("agrees with a naive reading of the rules on random patterns and values, short and long", () => {
    const alphabet = fc.constantFrom("a", "b", "/", ":", ".");
    const pattern = fc.array(fc.oneof(alphabet, fc.constant("*"), fc.constant("**")), { maxLength: 12 }).map((parts) => parts.join(""));
    const value = fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(compileScopePattern(p).matches(v)).toBe(referenceMatch(p, v, "scope"));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("matching is linear, not backtracking (issue 18 #2)", () => {
  it("agrees with a naive reading of the rules on random patterns and values", () => {
    const alphabet = fc.constantFrom("a", "b", "/", ":", ".", "?", "[", "(", "\\");
    const pattern = fc.array(fc.oneof(alphabet, fc.constant("*"), fc.constant("**")), { maxLength: 8 }).map((parts) => parts.join(""));
    const value = fc.array(alphabet, { maxLength: 10 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(compileResourcePattern(p).matches(v)).toBe(referenceMatch(p, v));
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with the reference on many-star patterns and long values built to backtrack", () => {
    const piece = fc.constantFrom(".", "*", "**", "*.", "a", "/");
    const pattern = fc.array(piece, { minLength: 4, maxLength: 24 }).map((parts) => `logs:${parts.join("")}`);
    const value = fc
      .tuple(fc.array(fc.constantFrom(".", "a", "/"), { maxLength: 20 }), fc.integer({ min: 0, max: 480 }), fc.constantFrom("", "/", "/x", "a"))
      .map(([head, dots, tail]) => `logs:${head.join("")}${".".repeat(dots)}${tail}`);
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(compileResourcePattern(p).matches(v)).toBe(referenceMatch(p, v));
      }),
      { numRuns: 300 },
    );
  });

  it("answers 200 hostile 500-character resources against logs:*.*.*.*-style patterns, each correctly", () => {
    const patterns = ["logs:*.*.*.*", "logs:*.*.*.*.*.*.*.*.*.*", "logs:**.**.**.**.**.**x"].map(compileResourcePattern);
    for (let i = 0; i < 200; i++) {
      const nearMiss = `logs:${".".repeat(490 - (i % 7))}/x`;
      const hit = `logs:${".".repeat(490 - (i % 7))}`;
      expect(patterns.map((p) => p.matches(nearMiss))).toEqual([false, false, true]);
      expect(patterns.map((p) => p.matches(hit))).toEqual([true, true, false]);
    }
  });
});

describe("matchesAny", () => {
  it("is true when any pattern matches and false for an empty list", () => {
    const globs = ["crm:customers/*", "crm:orders/*"].map(compileResourcePattern);
    expect(matchesAny(globs, "crm:orders/7")).toBe(true);
    expect(matchesAny(globs, "crm:invoices/7")).toBe(false);
    expect(matchesAny([], "crm:orders/7")).toBe(false);
  });
});
