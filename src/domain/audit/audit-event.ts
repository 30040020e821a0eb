/** A closed union: every kind of decision or state change the ledger records. Extend it here. */
export type AuditEventType =
  | "issued"
  | "denied"
  | "pending_approval"
  | "redeemed"
  | "redeem_rejected"
  | "revoked"
  | "policy_loaded"
  | "key_rotated"
  // policy as code: reloads, approvals, suspension
  | "policy_rejected"
  | "approval_given"
  | "approval_rejected"
  | "approval_expired"
  | "agent_suspended"
  | "agent_resumed"
  // an agent suspended by the bundle's circuit_breaker
  | "circuit_breaker_tripped"
  // upstream secrets written by the platform team (never the value), and dynamic database roles dropped
  | "secret_put"
  | "secret_rotated"
  | "secret_deleted"
  | "upstream_role_dropped";

export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  "issued",
  "denied",
  "pending_approval",
  "redeemed",
  "redeem_rejected",
  "revoked",
  "policy_loaded",
  "key_rotated",
  "policy_rejected",
  "approval_given",
  "approval_rejected",
  "approval_expired",
  "agent_suspended",
  "agent_resumed",
  "circuit_breaker_tripped",
  "secret_put",
  "secret_rotated",
  "secret_deleted",
  "upstream_role_dropped",
];

export type AuditDecision = "allow" | "deny" | "pending";

/**
 * One line of the ledger: who asked (user, through agent), for what, what was
 * decided by which rule of which policy version. Never a token, assertion or key.
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
  readonly detail?: Record<string, string | number | boolean | null>;
}

/** A stored event with its place in the ledger. */
export interface StoredAuditEvent extends AuditEvent {
  readonly seq: bigint;
}
