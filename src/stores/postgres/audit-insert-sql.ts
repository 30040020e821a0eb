import type { AuditEvent } from "../../domain/audit/audit-event";
import { columnValue, EVENT_COLUMNS } from "./ledger-columns";

/** One ledger row as the append path has numbered and hashed it. */
export interface NumberedEvent {
  readonly seq: bigint;
  readonly leafHash: Uint8Array;
  readonly event: AuditEvent;
}

/** The row's columns: its place, the event's columns (ledger-columns.ts), the leaf hash written with it. */
const COLUMNS: readonly { column: string; cast?: (placeholder: string) => string; value: (row: NumberedEvent) => unknown }[] = [
  { column: "seq", cast: (p) => `${p}::bigint`, value: (row) => row.seq.toString() },
  ...EVENT_COLUMNS.map((c) => ({ column: c.column, cast: c.cast, value: (row: NumberedEvent) => columnValue(row.event, c) })),
  { column: "leaf_hash", cast: (p) => `decode(${p}, 'hex')`, value: (row) => Buffer.from(row.leafHash).toString("hex") },
];

/**
 * One parameterized multi-row INSERT for a batch of ledger events. The ledger
 * writes it as raw SQL because Prisma's `createMany` builds and compiles its
 * query plan on every call, which profiles showed at about a quarter of
 * Locksmith's CPU per issuance. Values are always bound parameters, never
 * spliced into the text.
 */
export function auditInsertSql(rows: readonly NumberedEvent[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = COLUMNS.map(({ cast, value }) => {
      params.push(value(row));
      const placeholder = `$${params.length}`;
      return cast?.(placeholder) ?? placeholder;
    });
    return `(${placeholders.join(", ")})`;
  });
  return { sql: `INSERT INTO "audit_events" (${COLUMNS.map((c) => `"${c.column}"`).join(", ")}) VALUES ${tuples.join(", ")}`, params };
}
