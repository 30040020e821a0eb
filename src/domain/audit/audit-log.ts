import type { AuditEvent, StoredAuditEvent } from "./audit-event";

export interface AuditQuery {
  readonly jti?: string;
  readonly agent?: string;
  readonly type?: string;
  readonly limit?: number;
}

/**
 * The append-only ledger (PostgreSQL in production, embedded PGlite in dev mode).
 */
export interface AuditLog {
  /**
   * Appends one event and resolves only once it is durable (committed).
   * Concurrent appends may share a commit. Throws StoreUnavailableError when
   * the write cannot be made; then nothing may be handed out.
   */
  append(event: AuditEvent): Promise<void>;
  /** Events in ledger order, oldest first. */
  find(query: AuditQuery): Promise<StoredAuditEvent[]>;
  /** Throws StoreUnavailableError when the ledger cannot be reached. */
  ping(): Promise<void>;
}
