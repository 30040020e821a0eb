import type { Revocation, RevocationEntry } from "./revocation";

/**
 * How long revocations are kept for late or reconnecting listeners: no
 * credential lives longer (a request may ask for at most 24 hours).
 */
export const REVOCATION_RETENTION_MS = 24 * 3600 * 1000 + 60_000;

/**
 * The ordered log of revocations that every replica publishes to and every
 * replica's listeners hear (a Redis Stream in production, memory in dev mode).
 * Entry ids increase, so a listener resumes after the last id it saw.
 */
export interface RevocationFeed {
  /** Appends a revocation; resolves with its id once it is stored. Throws StoreUnavailableError. */
  publish(revocation: Revocation): Promise<string>;
  /**
   * Entries after `afterId` (exclusive), oldest first, at most `limit`; with no
   * `afterId`, from the start of the retention window. Throws StoreUnavailableError.
   */
  since(afterId: string | undefined, limit: number): Promise<RevocationEntry[]>;
  /**
   * Calls `listener` with every entry published from now on, by any replica,
   * in order (possibly preceded by a few just before: dedupe by id). Returns
   * the function that stops it.
   */
  subscribe(listener: (entry: RevocationEntry) => void): () => void;
  close(): Promise<void>;
}
