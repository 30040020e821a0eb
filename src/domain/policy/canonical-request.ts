import { invalidRequest } from "../errors";

/**
 * One string, one resource: what a requested resource or scope must look like
 * before any pattern sees it. Deny rules match strings; a resource server or
 * an upstream API may normalise them (resolve `..`, collapse `//`, decode
 * `%73`, split off `?`/`#`/`;`), so any string that another string could mean
 * is refused instead of decided, and `reports:public/x/../secret` can never
 * side-step a deny on `reports:public/secret/**`. The caps also bound the
 * matcher's work per request.
 */
export const MAX_RESOURCE_LENGTH = 512;
export const MAX_SCOPE_LENGTH = 128;
export const MAX_SCOPES = 16;

/**
 * Printable ASCII except space and the characters that alias or that patterns
 * reserve: `*` (a wildcard), `%` (percent-encoding), `\` (a second slash to
 * some servers), `?` and `#` (query, fragment), `;` (path parameters: `..;`).
 */
const RESOURCE_CHARS = /^[\x21\x22\x24\x26-\x29\x2B-\x3A\x3C-\x3E\x40-\x5B\x5D-\x7E]+$/;
/** An RFC 6749 scope-token (no `"` or `\`) without the wildcard `*`. */
const SCOPE_CHARS = /^[\x21\x23-\x29\x2B-\x5B\x5D-\x7E]+$/;

/**
 * Why `resource` is not canonical, or undefined when it is: 1 to 512 allowed
 * characters, and split at every `/` and `:` no part is empty, `.` or `..`.
 * @example resourceProblem("crm:customers/42") // undefined
 * @example resourceProblem("crm:customers/./42") // "has a \".\" or \"..\" segment: ..."
 */
export function resourceProblem(resource: string): string | undefined {
  if (resource.length === 0 || resource.length > MAX_RESOURCE_LENGTH) return `must be 1 to ${MAX_RESOURCE_LENGTH} characters`;
  if (!RESOURCE_CHARS.test(resource)) {
    return "must be one concrete resource: printable ASCII without spaces, wildcards (*) or any of % \\ ? # ;";
  }
  const parts = resource.split(/[/:]/);
  if (parts.some((part) => part === "")) return 'has an empty segment (a leading, trailing or doubled "/" or ":"): name the resource once, canonically';
  if (parts.some((part) => part === "." || part === "..")) return 'has a "." or ".." segment: name the resource once, canonically';
  return undefined;
}

/**
 * Why `scope` is not canonical (a sentence that quotes it only once its characters
 * are known to be safe), or undefined: `<namespace>:<action>`, exactly
 * one `:` with text on both sides, at most 128 scope-token characters, no `*`.
 * @example scopeProblem("files/objects:delete") // undefined
 */
export function scopeProblem(scope: string): string | undefined {
  if (scope.length === 0 || scope.length > MAX_SCOPE_LENGTH || !SCOPE_CHARS.test(scope)) {
    return `must be 1 to ${MAX_SCOPE_LENGTH} printable ASCII characters without spaces, quotes, backslashes or wildcards`;
  }
  const parts = scope.split(":");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return `"${scope}" is not <namespace>:<action> (exactly one ":" with text on both sides)`;
  return undefined;
}

/** Why a request's resource or scopes are not canonical, naming the field (`resource: …`, `scope: …`), or undefined. */
export function requestProblem(request: { readonly scopes: readonly string[]; readonly resource: string }): string | undefined {
  const resource = resourceProblem(request.resource);
  if (resource) return `resource: ${resource}`;
  if (request.scopes.length === 0 || request.scopes.length > MAX_SCOPES) return `scope: must be 1 to ${MAX_SCOPES} scopes`;
  const scope = request.scopes.map(scopeProblem).find((problem) => problem !== undefined);
  return scope ? `scope: ${scope}` : undefined;
}

/**
 * Refuses (400 `invalid_request`) a request whose resource or scopes are not
 * canonical. Run where a request enters the domain, before anything is
 * decided, counted or recorded.
 */
export function checkCanonicalRequest(request: { readonly scopes: readonly string[]; readonly resource: string }): void {
  const problem = requestProblem(request);
  if (problem) throw invalidRequest(problem);
}
