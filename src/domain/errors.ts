/**
 * The one error vocabulary of Locksmith. Expected outcomes (a denial, an
 * inactive token) are values, not errors; these are for caller mistakes and
 * system faults. The HTTP layer maps each code to a status in one table.
 */
export type ErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "permission_denied"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "temporarily_unavailable"
  | "server_error"
  // The egress proxy could not get an answer from the upstream.
  | "bad_gateway"
  // Delegation and the OAuth endpoints (RFC 6749 §5.2, RFC 6750 §3.1, RFC 8693 §2.2.2, RFC 8707 §2, RFC 7009 §2.2.1).
  | "invalid_token"
  | "invalid_grant"
  | "invalid_scope"
  | "invalid_target"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_token_type";

export class LocksmithError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Safe to show to the caller: never holds a token, key or internal detail. */
    readonly description: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description);
    this.name = "LocksmithError";
  }
}

export const invalidRequest = (description: string) => new LocksmithError("invalid_request", description);

export const invalidClient = (description = "client authentication failed") => new LocksmithError("invalid_client", description);

/**
 * A store (Redis, PostgreSQL) could not take a read or write. Locksmith fails
 * closed on it: the request is refused with 503 and nothing is handed out.
 */
export class StoreUnavailableError extends LocksmithError {
  constructor(
    store: string,
    override readonly cause?: unknown,
  ) {
    super("temporarily_unavailable", `${store} is unavailable; nothing was issued or changed, retry shortly`);
    this.name = "StoreUnavailableError";
  }
}
