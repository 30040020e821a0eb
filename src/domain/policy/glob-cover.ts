/**
 * Whether one policy pattern covers another: every concrete string the `inner`
 * pattern matches, `outer` matches too. Used by the validator to find shadowed
 * grants; it must never say "covers" when it does not (a false "shadowed"
 * warning would hide a real grant from a reviewer).
 *
 * Why it is sound: `inner` is read as text with its `**` replaced by a newline
 * (a character no pattern holds). `outer`'s literals match only themselves, its
 * `*` matches any run without `/` or newline (so it may swallow `inner`'s `*`,
 * which stands for such a run), and only its `**` may swallow a newline (an
 * `inner` `**`, which may hold `/`). Substituting any allowed run for each
 * wildcard of `inner` then still matches.
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const body = outer
    .split("**")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/\\n]*"))
    .join("[\\s\\S]*");
  return new RegExp(`^${body}$`).test(inner.replace(/\*\*/g, "\n"));
}

/** Every pattern of `inner` is covered by some pattern of `outer`. */
export const globsCover = (outer: readonly string[], inner: readonly string[]) =>
  inner.every((p) => outer.some((q) => globCovers(q, p)));

/** A concrete string the pattern matches: each wildcard becomes `x`. */
export const sampleOf = (pattern: string) => pattern.replace(/\*\*|\*/g, "x");
