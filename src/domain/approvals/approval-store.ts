import { LocksmithError } from "../errors";
import type { ApprovalRequest, ApprovalVote, CollectOutcome, VoteOutcome } from "./approval-request";

/**
 * At most this many requests of one agent wait for approval at once; the next is refused with 429 until
 * one is decided or expires. Bounds the approvers' queue, so no agent can bury other requests under its own.
 */
export const MAX_PENDING_APPROVALS_PER_AGENT = 20;

/** The agent already has MAX_PENDING_APPROVALS_PER_AGENT requests waiting: nothing was opened (429). */
export class TooManyPendingError extends LocksmithError {
  constructor(agent: string) {
    super("too_many_requests", `agent ${agent} already has ${MAX_PENDING_APPROVALS_PER_AGENT} requests waiting for approval; wait for a decision`);
    this.name = "TooManyPendingError";
  }
}

/** Requests are kept this long after they expire, so a late poll learns "expired" rather than "unknown". */
export const APPROVAL_KEEP_MS = 3600_000;

/**
 * Requests waiting for approval (Redis in production, shared by replicas;
 * memory in dev mode). Every state change is atomic in the store: two
 * approvers voting at once, or two pollers collecting at once, never both win.
 * Every method completes or throws StoreUnavailableError.
 */
export interface ApprovalStore {
  /**
   * Saves a new pending request; the store forgets it `keepMs` after its expiry. Throws
   * TooManyPendingError, saving nothing, when its agent already has MAX_PENDING_APPROVALS_PER_AGENT
   * pending, unexpired requests (atomic: concurrent creates never exceed it).
   */
  create(request: ApprovalRequest, keepMs: number): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /**
   * Adds one vote to a pending, unexpired request. An approval by a subject
   * who already voted is `duplicate`; reaching `count` approvals makes it
   * `approved`; one rejection makes it `rejected`.
   */
  vote(id: string, vote: ApprovalVote, approve: boolean, nowMs: number): Promise<{ outcome: VoteOutcome; request?: ApprovalRequest }>;
  /**
   * Hands an approved request to its agent exactly once: the first call gets
   * `collected`, every later one the status it finds. Another agent gets `unknown`.
   */
  collect(id: string, agent: string, nowMs: number): Promise<{ outcome: CollectOutcome; request?: ApprovalRequest }>;
  /** Undoes `collect` when the credential could not be handed out after all. */
  release(id: string): Promise<void>;
  /** Pending, unexpired requests, newest first. */
  pending(nowMs: number): Promise<ApprovalRequest[]>;
}
