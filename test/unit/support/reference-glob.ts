/**
 * A second, deliberately naive reading of the pattern rules in src/domain/policy/glob.ts
 * (resource patterns: `**` = any run, `*` = any run without `/`; scope patterns: `*` and
 * `**` = any run; everything else literal, whole string), written without regular
 * expressions or the real matcher's algorithm so tests can check the real one against it.
 */
type Token = { kind: "any" } | { kind: "segment" } | { kind: "char"; char: string };

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith("**", i)) {
      tokens.push({ kind: "any" });
      i++;
    } else if (pattern[i] === "*") {
      tokens.push({ kind: "segment" });
    } else {
      tokens.push({ kind: "char", char: pattern[i] });
    }
  }
  return tokens;
}

export function referenceMatch(pattern: string, value: string, kind: "resource" | "scope" = "resource"): boolean {
  const tokens = tokenize(pattern).map((t): Token => (kind === "scope" && t.kind === "segment" ? { kind: "any" } : t));
  const memo = new Map<string, boolean>();
  const match = (t: number, v: number): boolean => {
    const key = `${t},${v}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (t === tokens.length) {
      result = v === value.length;
    } else {
      const token = tokens[t];
      if (token.kind === "char") {
        result = value[v] === token.char && match(t + 1, v + 1);
      } else {
        // Try every run length this wildcard may swallow.
        result = false;
        for (let end = v; end <= value.length; end++) {
          if (match(t + 1, end)) {
            result = true;
            break;
          }
          if (end < value.length && token.kind === "segment" && value[end] === "/") break;
        }
      }
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

export const referenceMatchesAny = (patterns: readonly string[], value: string, kind: "resource" | "scope" = "resource") =>
  patterns.some((pattern) => referenceMatch(pattern, value, kind));
