/**
 * Glob patterns of scopes and resources, compiled once when a bundle loads.
 *
 * - `*`  matches any run of characters except `/` (possibly empty)
 * - `**` matches any run of characters including `/` (possibly empty)
 * - every other character matches itself, case-sensitively; there are no
 *   other metacharacters (`?`, `[`, `{` are literal)
 *
 * So `crm:customers/*` covers `crm:customers/42` but not
 * `crm:customers/42/notes`, and `*:delete` covers every delete scope.
 * A pattern matches the whole string, never a part of it.
 */
export interface Glob {
  readonly source: string;
  matches(value: string): boolean;
}

const REGEX_SPECIALS = /[.+?^${}()|[\]\\]/g;

export function compileGlob(source: string): Glob {
  if (!source.includes("*")) {
    return { source, matches: (value) => value === source };
  }
  const body = source
    .split("**")
    .map((part) => part.replace(REGEX_SPECIALS, "\\$&").replace(/\*/g, "[^/]*"))
    .join(".*");
  const regex = new RegExp(`^${body}$`, "s");
  return { source, matches: (value) => regex.test(value) };
}

export const matchesAny = (globs: readonly Glob[], value: string) => globs.some((glob) => glob.matches(value));
