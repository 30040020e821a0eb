import type { CredentialServices } from "../credentials/credential-services";
import type { ApprovalStore } from "./approval-store";
import type { ApproverAuthenticator } from "./approver-authenticator";

/** What the approval flow needs on top of issuance. */
export interface ApprovalServices extends CredentialServices {
  readonly approvals: ApprovalStore;
  readonly approvers: ApproverAuthenticator;
  /** How long a request may wait for approval (and then for its agent to collect it). */
  readonly approvalTimeoutMs: number;
}

/** Requests are kept this long after they expire, so a late poll learns "expired" rather than "unknown". */
export const APPROVAL_KEEP_MS = 3600_000;

/** A request waits at most this long for approval unless LOCKSMITH_APPROVAL_TIMEOUT says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 3600_000;

/**
 * At most this many requests of one agent wait for approval at once; the next is refused with 429 until
 * one is decided or expires. Bounds the approvers' queue, so no agent can bury other requests under its own.
 */
export const MAX_PENDING_APPROVALS_PER_AGENT = 20;
