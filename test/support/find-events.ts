import type { StoredAuditEvent } from "../../src/domain/audit/audit-event";
import type { EventFilter, LedgerReader } from "../../src/domain/audit/ledger-reader";

export type EventQuery = EventFilter & { readonly limit?: number };

/** Ledger events matching `query` through the one read port, oldest first, as stored events (without their leaf hash). */
export async function findEvents(reader: LedgerReader, { limit = 100_000, ...filter }: EventQuery = {}): Promise<StoredAuditEvent[]> {
  const entries = await reader.page(filter, 0n, limit);
  return entries.map(({ leafHash: _leafHash, ...event }) => event);
}
