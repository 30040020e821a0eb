/**
 * Structural checks on a compact JWS before any signature work, for the
 * attacks of RFC 8725 that a verifier would otherwise parse its way into:
 * JWE or JSON-serialised input, duplicate member names (two parsers may keep
 * different values, RFC 7515 §5.2 says reject), deeply nested claims (`act`
 * chains), keys or key references in the header (keys come only from the
 * policy or Locksmith's own key ring: we never fetch a `jku`/`x5u` nor trust
 * an embedded `jwk`/`x5c`), and a `typ` of another kind of token (§3.11).
 *
 * `allowedTyps` omitted: the caller checks `typ` itself (jose's `typ` option).
 * Returns a short reason for the refusal, or undefined when the shape is sound.
 */
export function compactJwtProblem(token: string, allowedTyps?: readonly (string | undefined)[]): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return parts.length === 5 ? "encrypted JWTs (JWE) are not accepted" : "not a compact JWT";
  if (!parts.every((part, i) => (i === 2 || part.length > 0) && /^[A-Za-z0-9_-]*$/.test(part))) return "not base64url";
  const header = decodeJson(parts[0]);
  const payload = decodeJson(parts[1]);
  if (typeof header === "string") return `header ${header}`;
  if (typeof payload === "string") return `payload ${payload}`;
  for (const name of KEY_CARRYING_HEADERS) {
    if (name in header) return `header parameter "${name}" is not accepted: keys come from the policy only`;
  }
  const { typ } = header;
  // Not String(typ): of a parsed object whose "toString" member is not a function, it throws (a 500, before any signature).
  if (typ !== undefined && typeof typ !== "string") return 'header parameter "typ" is not a string';
  if (allowedTyps && !allowedTyps.includes(typ?.toLowerCase())) return `typ "${typ}" is not accepted here`;
  return undefined;
}

const KEY_CARRYING_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];
const MAX_DEPTH = 8;

function decodeJson(part: string): Record<string, unknown> | string {
  const text = Buffer.from(part, "base64url").toString("utf8");
  const problem = duplicateOrDeep(text);
  if (problem) return problem;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : "is not a JSON object";
  } catch {
    return "is not JSON";
  }
}

/** Scans JSON text for an object with a repeated member name or nesting deeper than MAX_DEPTH (before JSON.parse keeps only the last). */
function duplicateOrDeep(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && expectingKey) {
        // Names are compared decoded: "sub" and "\u0073ub" are one member to JSON.parse, which keeps the last.
        const name = decodeName(text.slice(i, end + 1));
        if (name === undefined) return "is not JSON";
        if (top.has(name)) return `repeats the member "${name.slice(0, 32)}"`;
        top.add(name);
        expectingKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      stack.push(c === "{" ? new Set() : null);
      if (stack.length > MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`;
      expectingKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      expectingKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

function decodeName(token: string): string | undefined {
  try {
    const name = JSON.parse(token) as unknown;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}
