import type { Response } from "express";

export type Refusal =
  | { readonly status: 401; readonly error?: "invalid_token"; readonly description: string }
  | { readonly status: 403; readonly error: "insufficient_scope"; readonly description: string; readonly scope: string }
  /** The token is for another resource (RFC 8707's word): not a scope problem, so no step-up. */
  | { readonly status: 403; readonly error: "invalid_target"; readonly description: string }
  | { readonly status: 503; readonly error: "temporarily_unavailable"; readonly description: string };

/**
 * Refuses a request the RFC 6750 way: `WWW-Authenticate: Bearer` with the
 * error (none when no token was sent, §3.1), the realm, the scope needed, and
 * `resource_metadata` for MCP clients (RFC 9728 §5.1); and the contract's
 * `{error, error_description}` body.
 */
export function refuse(res: Response, refusal: Refusal, realm: string, resourceMetadata?: string): void {
  const params = [`realm="${realm}"`];
  if (refusal.status !== 503 && refusal.error) params.push(`error="${refusal.error}"`, `error_description="${headerText(refusal.description)}"`);
  if (refusal.status === 403 && refusal.error === "insufficient_scope") params.push(`scope="${headerText(refusal.scope)}"`);
  if (resourceMetadata) params.push(`resource_metadata="${resourceMetadata}"`);
  if (refusal.status === 503) res.set("Retry-After", "1");
  else res.set("WWW-Authenticate", `Bearer ${params.join(", ")}`);
  res
    .status(refusal.status)
    .set("Cache-Control", "no-store")
    .json({ error: refusal.error ?? "invalid_token", error_description: refusal.description });
}

/**
 * RFC 6750 §3: error_description and scope are %x20-21 / %x23-5B / %x5D-7E. The
 * description can carry a resource built from the request's path, where CR, LF
 * or a non-Latin-1 character would make Node refuse the header (a 500) or split
 * it; every other character becomes "?" (the JSON body keeps the exact text).
 */
const headerText = (text: string) => text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "?");
