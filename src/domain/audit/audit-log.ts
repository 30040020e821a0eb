import type { AuditEvent } from "./audit-event";

/**
 * The append-only ledger's write side (PostgreSQL in production, embedded
 * PGlite in dev mode). Everything that reads the ledger — auditors' queries,
 * proofs, verification, traces — goes through the one read port, LedgerReader.
 */
export interface AuditLog {
  /**
   * Appends one event and resolves only once it is durable (committed).
   * Concurrent appends may share a commit. Throws StoreUnavailableError when
   * the write cannot be made; then nothing may be handed out.
   */
  append(event: AuditEvent): Promise<void>;
  /** Throws StoreUnavailableError when the ledger cannot be reached. */
  ping(): Promise<void>;
}
