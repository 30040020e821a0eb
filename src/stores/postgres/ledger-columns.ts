import type { AuditEvent } from "../../domain/audit/audit-event";
import { documentValue, EVENT_FIELD_LIST, EVENT_FIELDS, type EventField } from "../../domain/audit/event-fields";
import type { LedgerEntry } from "../../domain/audit/ledger-reader";

/**
 * The `audit_events` table, derived from the domain's ledger schema
 * (EVENT_FIELDS): each event field's column is its document name, except
 * where SQL needs another. Only the SQL side lives here: which column, which
 * type the bound text becomes.
 */
const COLUMN_OF: Partial<Record<EventField, string>> = {
  occurredAt: "occurred_at",
  // `user` is a reserved word in SQL
  user: "user_subject",
};

/** How a bound text parameter becomes its column's type (text columns need none). */
const CAST_OF: Partial<Record<EventField, (placeholder: string) => string>> = {
  occurredAt: (p) => `${p}::timestamptz`,
  detail: (p) => `${p}::jsonb`,
};

export interface EventColumn {
  readonly field: EventField;
  readonly column: string;
  readonly cast?: (placeholder: string) => string;
}

export const EVENT_COLUMNS: readonly EventColumn[] = EVENT_FIELD_LIST.map((field) => ({
  field,
  column: COLUMN_OF[field] ?? EVENT_FIELDS[field],
  cast: CAST_OF[field],
}));

/** One field's bound parameter: its document value as text (JSON for detail), NULL when absent. */
export function columnValue(event: AuditEvent, { field }: EventColumn): unknown {
  const value = documentValue(event, field);
  if (value === undefined) return null;
  return field === "detail" ? JSON.stringify(value) : value;
}

/** A raw `audit_events` row as `$queryRaw` gives it: timestamptz as Date, jsonb parsed, bytea as bytes. */
export type EventRow = Record<string, unknown> & { seq: bigint; leaf_hash: Uint8Array | null };

/** A raw row as the domain sees it: absent fields absent, not null. */
export function entryOf(row: EventRow): LedgerEntry {
  const entry: Record<string, unknown> = { seq: BigInt(row.seq) };
  for (const { field, column } of EVENT_COLUMNS) if (row[column] !== null && row[column] !== undefined) entry[field] = row[column];
  if (row.leaf_hash) entry.leafHash = Buffer.from(row.leaf_hash);
  return entry as unknown as LedgerEntry;
}
