/** One vote of an approver (a person, by the subject of their identity provider token). */
export interface ApprovalVote {
  readonly subject: string;
  readonly at: number;
  readonly comment?: string;
}

export type ApprovalStatus = "pending" | "approved" | "rejected" | "collected" | "expired";

/**
 * A credential request waiting for people: everything needed to mint the
 * credential once approved, so the approval does not depend on the policy
 * still being the same. Times are epoch ms.
 */
export interface ApprovalRequest {
  readonly id: string;
  readonly agent: string;
  readonly environment: string;
  /** The person the agent acts for: never an approver of their own request. */
  readonly user?: string;
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
