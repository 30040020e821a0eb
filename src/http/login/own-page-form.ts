import type { Request } from "express";
import { csrfMatches } from "../../domain/oauth/consent";

/**
 * Whether a state-changing browser request came from a page of this Locksmith: `Sec-Fetch-Site` (when
 * sent) says same-origin, `Origin` (when sent) is Locksmith's own, and the request carries the
 * session's CSRF token (form field `csrf_token` or `X-CSRF-Token`, compared in constant time).
 * SameSite=Lax keeps the session cookie off cross-site posts, but not off posts from another origin of
 * the same site; this holds either way. The one check for sign-out and every console form.
 */
export function sentFromOwnPage(req: Request, origin: string, session: string): boolean {
  const site = req.get("sec-fetch-site");
  const from = req.get("origin");
  const token = ((req.body ?? {}) as Record<string, unknown>).csrf_token ?? req.get("x-csrf-token");
  return (site === undefined || site === "same-origin") && (from === undefined || from === origin) && csrfMatches(session, token);
}
