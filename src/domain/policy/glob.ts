/**
 * The pattern language of policy bundles, compiled once when a bundle loads
 * and matched in time linear in the value (no regular expression, no
 * backtracking: a hostile 512-character resource costs what any other does).
 *
 * Resource patterns (`resources:` of grants, denies and resource servers):
 * - `*`  matches any run of characters except `/` (possibly empty)
 * - `**` matches any run of characters including `/` (possibly empty)
 * So `crm:customers/*` covers `crm:customers/42` but not `crm:customers/42/notes`.
 *
 * Scope patterns (`scopes:`, `destructive_scopes`, an identity provider's `scope_mapping`):
 * - `*` and `**` match any run of characters, `/` included.
 * A requested scope is exactly `<namespace>:<action>` (one `:`, see canonical-request.ts),
 * so in a pattern with one `:` each `*` stays on its side: `*:delete` covers every delete
 * scope (`files/objects:delete` too) and `crm:*` every crm scope.
 *
 * In both, a run of three or more `*` means `**`; every other character matches
 * itself, case-sensitively (`?`, `[`, `{` are literal); a pattern matches the
 * whole string, never a part of it.
 */
export interface Glob {
  readonly source: string;
  matches(value: string): boolean;
}

export type PatternKind = "resource" | "scope";

export const compileResourcePattern = (source: string): Glob => compileWildcards(source, "resource", "/");

export const compileScopePattern = (source: string): Glob => compileWildcards(source, "scope", "");

export const matchesAny = (globs: readonly Glob[], value: string) => globs.some((glob) => glob.matches(value));

const LITERAL = 0;
/** Any run of characters that holds none of the pattern's separators. */
const STAR = 1;
/** Any run of characters. */
const ANY = 2;

interface Tokens {
  readonly kinds: Uint8Array;
  /** The literal character of each LITERAL token ("" for a wildcard). */
  readonly chars: readonly string[];
}

/** The middle of a pattern, ready to run: its token kinds and the UTF-16 code of each literal (-1 for a wildcard). */
interface Automaton {
  readonly kinds: Uint8Array;
  readonly codes: Int32Array;
}

/**
 * Compiles `source` into tokens and a matcher. `separators` are the characters a
 * single `*` may not swallow (none for scopes). Shared with glob-cover.ts, which
 * reads another pattern as text and needs one more separator.
 */
export function compileWildcards(source: string, kind: PatternKind, separators: string): Glob {
  if (!source.includes("*")) return { source, matches: (value) => value === source };
  const tokens = tokenize(source, kind);
  const first = tokens.kinds.findIndex((k) => k !== LITERAL);
  const last = tokens.kinds.findLastIndex((k) => k !== LITERAL);
  // Literal text before the first and after the last wildcard is compared directly; only the middle is simulated.
  const prefix = tokens.chars.slice(0, first).join("");
  const suffix = tokens.chars.slice(last + 1).join("");
  const middle: Automaton = {
    kinds: tokens.kinds.slice(first, last + 1),
    codes: Int32Array.from(tokens.chars.slice(first, last + 1), (c) => (c === "" ? -1 : c.charCodeAt(0))),
  };
  const separatorCodes = new Set([...separators].map((c) => c.charCodeAt(0)));
  return {
    source,
    matches(value) {
      if (value.length < prefix.length + suffix.length || !value.startsWith(prefix) || !value.endsWith(suffix)) return false;
      return simulate(middle, value, prefix.length, value.length - suffix.length, separatorCodes);
    },
  };
}

function tokenize(source: string, kind: PatternKind): Tokens {
  const kinds: number[] = [];
  const chars: string[] = [];
  for (let i = 0; i < source.length; ) {
    if (source[i] !== "*") {
      kinds.push(LITERAL);
      chars.push(source[i++]);
      continue;
    }
    let run = 0;
    while (source[i] === "*") (run++, i++);
    kinds.push(run === 1 && kind === "resource" ? STAR : ANY);
    chars.push("");
  }
  return { kinds: Uint8Array.from(kinds), chars };
}

/**
 * Runs the pattern as a nondeterministic automaton over value[from, to): state
 * `i` means "the first i tokens matched so far". Every character advances all
 * live states at once, so the cost is O(length × tokens) whatever the input:
 * nothing is ever retried.
 */
function simulate(tokens: Automaton, value: string, from: number, to: number, separators: ReadonlySet<number>): boolean {
  const m = tokens.kinds.length;
  let live = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  live[0] = 1;
  closeOverEmptyRuns(tokens, live);
  for (let v = from; v < to; v++) {
    const c = value.charCodeAt(v);
    const isSeparator = separators.has(c);
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i++) {
      if (!live[i]) continue;
      const kind = tokens.kinds[i];
      if (kind === LITERAL) {
        if (tokens.codes[i] === c) {
          next[i + 1] = 1;
          any = true;
        }
      } else if (kind === ANY || !isSeparator) {
        next[i] = 1;
        any = true;
      }
    }
    if (!any) return false;
    closeOverEmptyRuns(tokens, next);
    [live, next] = [next, live];
  }
  return live[m] === 1;
}

/** A wildcard may match the empty run: a live state before it makes the state after it live too. */
function closeOverEmptyRuns(tokens: Automaton, states: Uint8Array): void {
  for (let i = 0; i < tokens.kinds.length; i++) if (states[i] && tokens.kinds[i] !== LITERAL) states[i + 1] = 1;
}
