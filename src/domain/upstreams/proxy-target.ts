import { matchesAny } from "../policy/glob";
import type { HttpMethod, UpstreamPolicy } from "./upstream-policy";

type ApiKeyUpstream = Extract<UpstreamPolicy, { kind: "api_key" }>;

export type TargetCheck = { readonly ok: true; readonly path: string; readonly query: string } | { readonly ok: false; readonly problem: string };

/**
 * The path (and query) an agent asks the proxy for, taken exactly as sent and
 * refused unless it is plainly one path: no `.`/`..` segments, no empty
 * segments (also as `..;param`), no encoded `/`, `\`, `.` or `%` (so no upstream that decodes
 * twice can be walked out of the pattern that allowed the call), no
 * backslash, nothing outside printable ASCII. What is checked is what is sent.
 */
export function checkProxyTarget(raw: string): TargetCheck {
  const mark = raw.indexOf("?");
  const path = (mark < 0 ? raw : raw.slice(0, mark)) || "/";
  const query = mark < 0 ? "" : raw.slice(mark + 1);
  if (!/^\/[\x21-\x7E]*$/.test(path)) return { ok: false, problem: "the path must be printable ASCII without spaces, starting with /" };
  if (/[\\#]/.test(path)) return { ok: false, problem: "the path must not contain \\ or #" };
  if (/%(2f|5c|2e|25|00)/i.test(path)) return { ok: false, problem: "the path must not contain encoded /, \\, ., % or NUL" };
  const segments = path.slice(1).split("/");
  // `..;x` too: servlet containers strip a `;` parameter and then walk up (the Tomcat `/..;/` trick).
  if (segments.some((segment, i) => /^\.\.?(;.*)?$/.test(segment) || (segment === "" && i < segments.length - 1))) {
    return { ok: false, problem: "the path must not contain ., .. or empty segments" };
  }
  if (!/^[\x21-\x7E]*$/.test(query) || query.includes("#")) return { ok: false, problem: "the query must be printable ASCII without spaces or #" };
  return { ok: true, path, query };
}

/** The upstream's scopes whose operations allow `method path`; a credential must hold one of them. */
export function scopesAllowing(upstream: ApiKeyUpstream, method: string, path: string): string[] {
  const allowing: string[] = [];
  for (const [scope, operations] of upstream.operations) {
    if (operations.some((op) => op.method === (method as HttpMethod) && matchesAny([op.path], path) && !emptiedStar(op.path.source, path)))
      allowing.push(scope);
  }
  return allowing;
}

/**
 * A last segment `*` matched by nothing: `/customers/*` against `/customers/`, which
 * many upstreams read as the collection (`GET` lists all, `DELETE` may empty it).
 * A `*` stands for a segment's text; `**` may still match nothing.
 */
const emptiedStar = (pattern: string, path: string) => path.endsWith("/") && /(^|\/)\*$/.test(pattern);

/**
 * A credential's resource narrows the paths it reaches: `crm-api:customers/42`
 * covers `/customers/42` and what is below it, never `/customers/43`; the bare
 * upstream's bare id (`crm-api`) covers all of it (its scopes still decide the operations).
 */
export function resourceCoversPath(upstream: ApiKeyUpstream, resource: string, path: string): boolean {
  if (resource === upstream.id) return true;
  const prefix = `${upstream.id}:`;
  if (!resource.startsWith(prefix)) return false;
  // Resources are canonical (no empty, `.` or `..` segment), so plain prefix arithmetic is exact.
  const rest = resource.slice(prefix.length);
  return path === `/${rest}` || path.startsWith(`/${rest}/`);
}
