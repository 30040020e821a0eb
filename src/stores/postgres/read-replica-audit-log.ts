import type { AuditEvent, StoredAuditEvent } from "../../domain/audit/audit-event";
import type { AuditLog, AuditQuery } from "../../domain/audit/audit-log";

/**
 * Appends go to the primary (durable before the answer); queries go to a read
 * replica (`DATABASE_READ_URL`), so audit searches and exports do not compete
 * with issuance for the primary. A query may lag the primary by the
 * replication delay; nothing on the issuance path reads the ledger.
 */
export class ReadReplicaAuditLog implements AuditLog {
  constructor(private readonly primary: AuditLog, private readonly replica: AuditLog) {}

  append(event: AuditEvent): Promise<void> {
    return this.primary.append(event);
  }

  find(query: AuditQuery): Promise<StoredAuditEvent[]> {
    return this.replica.find(query);
  }

  /** Ready only when both answer: a replica that is down fails audit queries. */
  async ping(): Promise<void> {
    await Promise.all([this.primary.ping(), this.replica.ping()]);
  }
}
