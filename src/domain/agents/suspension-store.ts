/** Whether an agent is suspended, and which of its credentials are revoked by a suspension. */
export interface SuspensionStatus {
  readonly suspended: boolean;
  /**
   * Epoch ms of the agent's latest suspension: every credential issued at or
   * before it stays revoked, even after `resume` (resuming lifts the block on
   * new requests, it does not bring old credentials back).
   */
  readonly revokedBefore?: number;
}

/**
 * Suspended agents (Redis in production, shared by replicas; memory in dev
 * mode). Every method completes or throws StoreUnavailableError, and callers
 * fail closed on it.
 */
export interface SuspensionStore {
  /**
   * Suspends the agent as of `atMs`, until resumed or, with `forMs`, until
   * `forMs` have passed (the circuit breaker's `suspend_for`). Idempotent;
   * false when it already was (an existing suspension keeps its own end).
   */
  suspend(agent: string, atMs: number, forMs?: number): Promise<boolean>;
  /** Lifts the suspension. Idempotent; false when it was not suspended. */
  resume(agent: string): Promise<boolean>;
  status(agent: string): Promise<SuspensionStatus>;
}

/** Credentials live at most 24 h, so a revocation watermark older than that revokes nothing. */
export const REVOCATION_MEMORY_MS = 25 * 3600 * 1000;

/** Whether a credential of `agent` issued at `issuedAtMs` is dead because of a suspension. */
export const revokedBySuspension = (status: SuspensionStatus, issuedAtMs: number) =>
  status.suspended || (status.revokedBefore !== undefined && issuedAtMs <= status.revokedBefore);
