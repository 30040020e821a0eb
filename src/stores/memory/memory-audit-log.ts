import type { AuditEvent, StoredAuditEvent } from "../../domain/audit/audit-event";
import type { AuditLog, AuditQuery } from "../../domain/audit/audit-log";

/** An append-only ledger in memory, for unit tests of the use cases. */
export class MemoryAuditLog implements AuditLog {
  private readonly events: StoredAuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.events.push({ ...event, seq: BigInt(this.events.length + 1) });
  }

  async find(query: AuditQuery): Promise<StoredAuditEvent[]> {
    return this.events
      .filter((e) => (query.jti === undefined || e.jti === query.jti) && (query.agent === undefined || e.agent === query.agent) && (query.type === undefined || e.type === query.type))
      .slice(0, query.limit ?? 100);
  }

  async ping(): Promise<void> {}
}
