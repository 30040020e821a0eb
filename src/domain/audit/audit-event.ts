export type AuditEventType = "issued" | "denied" | "pending_approval" | "redeemed" | "redeem_rejected" | "revoked" | "key_rotated";

/**
 * One line of the ledger: who asked (user, through agent), for what, what was
 * decided by which rule of which policy version. Never a token, assertion or key.
 */
export interface AuditEvent {
  readonly type: AuditEventType;
  readonly occurredAt: Date;
  readonly decision: "allow" | "deny" | "pending";
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
  readonly clientIp?: string;
  readonly detail?: Record<string, string | number | boolean | null>;
}

/** A stored event with its place in the ledger. */
export interface StoredAuditEvent extends AuditEvent {
  readonly seq: bigint;
}
