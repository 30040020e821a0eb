import { compileWildcards, type PatternKind } from "./glob";

/**
 * Whether one policy pattern covers another: every concrete string the `inner`
 * pattern matches, `outer` matches too. Used by the validator to find shadowed
 * grants; it must never say "covers" when it does not (a false "shadowed"
 * warning would hide a real grant from a reviewer).
 *
 * Why it is sound: `inner` is read as text with each wildcard that may hold a
 * separator (`**`; for scopes every `*`) replaced by a newline, a character no
 * pattern holds. `outer`'s literals match only themselves, its resource `*`
 * matches any run without `/` or newline (so it may swallow `inner`'s `*`,
 * which stands for such a run), and only its any-run wildcards may swallow a
 * newline. Substituting any allowed run for each wildcard of `inner` then
 * still matches. The same linear matcher as requests: no backtracking here either.
 */
export function globCovers(outer: string, inner: string, kind: PatternKind): boolean {
  if (outer === inner) return true;
  const text = kind === "scope" ? inner.replace(/\*+/g, "\n") : inner.replace(/\*{2,}/g, "\n");
  return compileWildcards(outer, kind, kind === "scope" ? "" : "/\n").matches(text);
}

/** Every pattern of `inner` is covered by some pattern of `outer`. */
export const globsCover = (outer: readonly string[], inner: readonly string[], kind: PatternKind) =>
  inner.every((p) => outer.some((q) => globCovers(q, p, kind)));

/** A concrete string the pattern matches: each wildcard becomes `x`. */
export const sampleOf = (pattern: string) => pattern.replace(/\*+/g, "x");
