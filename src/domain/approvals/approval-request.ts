import type { ActClaim } from "../identity/verify-user-token";

/** One vote of an approver (a person, by the subject of their identity provider token). */
export interface ApprovalVote {
  readonly subject: string;
  readonly at: number;
  readonly comment?: string;
}

export type ApprovalStatus = "pending" | "approved" | "rejected" | "collected" | "expired";

/**
 * A credential request waiting for people: everything needed to mint the
 * credential once approved, including the delegation it was made with (the
 * person and the earlier actors), so the approved credential says what a
 * direct one would. Collection decides it again against the policy then in
 * force. Times are epoch ms.
 */
export interface ApprovalRequest {
  readonly id: string;
  readonly agent: string;
  readonly environment: string;
  /** The person the agent acts for: never an approver of their own request; `sub` of the credential. */
  readonly user?: string;
  /** Earlier actors of the user token (RFC 8693 §4.1), nested under the agent in the credential's `act`. */
  readonly act?: ActClaim;
  /** The identity provider that vouched for `user`. */
  readonly identityProvider?: string;
  readonly scope: string;
  readonly resource: string;
  readonly audience: string;
  /** Seconds the credential lives, counted from when it is handed out. */
  readonly ttl: number;
  readonly maxUses?: number;
  readonly rule: string;
  /** `group:NAME` or `user:SUBJECT`. */
  readonly approvers: readonly string[];
  readonly count: number;
  readonly policyVersion: string;
  readonly purpose?: string;
  readonly createdAt: number;
  /** Unapproved or uncollected after this, the request is dead. */
  readonly expiresAt: number;
  readonly status: ApprovalStatus;
  readonly approvals: readonly ApprovalVote[];
  readonly rejection?: ApprovalVote;
}

/** `expired`: this call found the request past its time and marked it so (once); `already_expired`: an earlier one did. */
export type VoteOutcome = "recorded" | "approved" | "rejected" | "duplicate" | "not_pending" | "expired" | "already_expired" | "unknown";
export type CollectOutcome = "collected" | "already_collected" | "pending" | "rejected" | "expired" | "already_expired" | "unknown";

/** Puts back the shape a JSON round trip through Redis' cjson may lose (an empty list becomes `{}`). */
export function normalizeApproval(raw: Record<string, unknown>): ApprovalRequest {
  const r = raw as unknown as ApprovalRequest & { comment?: unknown };
  const vote = (v: ApprovalVote) => ({ subject: v.subject, at: v.at, ...(v.comment ? { comment: v.comment } : {}) });
  return { ...r, approvals: Array.isArray(r.approvals) ? r.approvals.map(vote) : [], ...(r.rejection ? { rejection: vote(r.rejection) } : {}) };
}
