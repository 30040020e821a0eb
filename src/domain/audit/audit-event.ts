/**
 * Every kind of decision or state change the ledger records, in one list: the
 * `AuditEventType` union, the auditors' `type` filter and the docs derive from
 * it. Add a type here (and say in docs/ledger.md when it is written).
 */
export const AUDIT_EVENT_TYPES = [
  "issued",
  "denied",
  "pending_approval",
  "redeemed",
  "redeem_rejected",
  "revoked",
  "policy_loaded",
  "key_rotated",
  // policy as code: reloads, approvals, suspension
  "policy_rejected",
  "approval_given",
  "approval_rejected",
  "approval_expired",
  "agent_suspended",
  "agent_resumed",
  // an agent suspended by the bundle's circuit_breaker
  "circuit_breaker_tripped",
  // Token A for people: a person signs in, consents, and an MCP client gets and refreshes tokens (issue 12)
  "authorization_requested",
  "authorization_refused",
  "login",
  "login_failed",
  // a person ended their session (console sign-out, POST /oauth/logout)
  "logout",
  "consent_given",
  "consent_denied",
  "consent_withdrawn",
  "code_issued",
  "code_redeemed",
  "code_rejected",
  "token_refreshed",
  "refresh_rejected",
  "refresh_reuse_detected",
  // upstream secrets written by the platform team (never the value), and dynamic database roles dropped
  "secret_put",
  "secret_rotated",
  "secret_deleted",
  "upstream_role_dropped",
  // a person connected or disconnected an upstream account (never a token)
  "connection_made",
  "connection_removed",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_DECISIONS = ["allow", "deny", "pending"] as const;

export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/**
 * One line of the ledger: who asked (user, through agent), for what, what was
 * decided by which rule of which policy version. Never a token, assertion or key.
 * Every field is named once more, in `EVENT_FIELDS` (event-fields.ts), which the
 * compiler keeps complete: that map drives the hashed form, the API document,
 * the SQL columns and the row mapping.
 */
export interface AuditEvent {
  readonly type: AuditEventType;
  readonly occurredAt: Date;
  readonly decision: AuditDecision;
  readonly environment?: string;
  /** The agent the credential is (or would be) for. */
  readonly agent?: string;
  /** The person the agent acts for, when delegated. */
  readonly user?: string;
  /** Who made the call when it is not the agent: a resource server or an admin. */
  readonly actor?: string;
  readonly scope?: string;
  readonly resource?: string;
  readonly audience?: string;
  readonly jti?: string;
  readonly reason?: string;
  readonly rule?: string;
  readonly policyVersion?: string;
  readonly requestId?: string;
  /** W3C trace id (32 hex) of the request, when the caller sent `traceparent`. */
  readonly traceId?: string;
  readonly clientIp?: string;
  readonly detail?: AuditDetail;
}

/** Free-form facts of one event (JSON scalars only), e.g. `{ ttl: 300, delegated: true }`. */
export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

/** A stored event with its place in the ledger. */
export interface StoredAuditEvent extends AuditEvent {
  readonly seq: bigint;
}
