import type { AuditEvent } from "../../domain/audit/audit-event";
import type { AuditLog } from "../../domain/audit/audit-log";

/**
 * Appends go to the primary (durable before the answer); the ledger's readers
 * (audit searches, exports, proofs) are given the read replica
 * (`DATABASE_READ_URL`) in app.ts, so they do not compete with issuance for the
 * primary. A read may lag the primary by the replication delay; nothing on the
 * issuance path reads the ledger.
 */
export class ReadReplicaAuditLog implements AuditLog {
  constructor(
    private readonly primary: AuditLog,
    private readonly replica: AuditLog,
  ) {}

  append(event: AuditEvent): Promise<void> {
    return this.primary.append(event);
  }

  /** Ready only when both answer: a replica that is down fails audit queries. */
  async ping(): Promise<void> {
    await Promise.all([this.primary.ping(), this.replica.ping()]);
  }
}
