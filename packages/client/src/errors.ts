/**
 * What the SDK throws. Switch on the class (or `code`), never on the message.
 * Only `Unavailable` is worth retrying, and the SDK already retried it.
 */
export class LocksmithClientError extends Error {
  constructor(
    /** The contract's `error` code (`permission_denied`, `invalid_request`, …). */
    readonly code: string,
    readonly description: string,
    /** HTTP status; 0 when Locksmith could not be reached. */
    readonly status: number,
  ) {
    super(`${code}: ${description}`);
    this.name = new.target.name;
  }
}

/** 403: the policy said no. `reason` is `explicit_deny`, `no_grant`, `environment_wall`, …; `rule` names the rule. */
export class PermissionDenied extends LocksmithClientError {
  constructor(
    description: string,
    readonly reason: string,
    readonly rule?: string,
  ) {
    super("permission_denied", description, 403);
  }
}

/** 400: the request itself is wrong (a wildcard, a bad ttl, an unknown field). A bug to fix, not to retry. */
export class InvalidRequest extends LocksmithClientError {
  constructor(description: string) {
    super("invalid_request", description, 400);
  }
}

/** 401: Locksmith does not know this agent or its key (wrong id, wrong key, clock far off). */
export class AuthenticationFailed extends LocksmithClientError {
  constructor(description: string) {
    super("invalid_client", description, 401);
  }
}

/** 503, a network error or a time-out, after the retries: nothing was issued. */
export class Unavailable extends LocksmithClientError {
  constructor(description: string, status = 0) {
    super("temporarily_unavailable", description, status);
  }
}

/** An approval that did not come within `approved({ timeout })`. The request may still be approved later. */
export class ApprovalTimeout extends LocksmithClientError {
  constructor(readonly requestId: string) {
    super("approval_timeout", `request ${requestId} is still waiting for approval`, 202);
  }
}

/** Maps an error answer of the contract (`{error, error_description, reason?, rule?}`) to its class. */
export function errorFromResponse(status: number, body: Record<string, unknown> | undefined): LocksmithClientError {
  const code = typeof body?.error === "string" ? body.error : `http_${status}`;
  const description = typeof body?.error_description === "string" ? body.error_description : `Locksmith answered ${status}`;
  if (status === 403 && code === "permission_denied") {
    return new PermissionDenied(description, String(body?.reason ?? "unknown"), typeof body?.rule === "string" ? body.rule : undefined);
  }
  if (status === 400) return new InvalidRequest(description);
  if (status === 401) return new AuthenticationFailed(description);
  if (status === 503) return new Unavailable(description, status);
  return new LocksmithClientError(code, description, status);
}
