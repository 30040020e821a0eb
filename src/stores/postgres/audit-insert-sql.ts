import type { AuditEvent } from "../../domain/audit/audit-event";

/** One ledger row as the append path has numbered and hashed it. */
export interface NumberedEvent {
  readonly seq: bigint;
  readonly leafHash: Uint8Array;
  readonly event: AuditEvent;
}

const COLUMNS = [
  "seq",
  "occurred_at",
  "type",
  "decision",
  "environment",
  "agent",
  "user_subject",
  "actor",
  "scope",
  "resource",
  "audience",
  "jti",
  "reason",
  "rule",
  "policy_version",
  "request_id",
  "trace_id",
  "client_ip",
  "detail",
  "leaf_hash",
] as const;

/** How each bound parameter becomes its column's type (text in, typed in the table). */
const CASTS: Partial<Record<(typeof COLUMNS)[number], (placeholder: string) => string>> = {
  seq: (p) => `${p}::bigint`,
  occurred_at: (p) => `${p}::timestamptz`,
  detail: (p) => `${p}::jsonb`,
  leaf_hash: (p) => `decode(${p}, 'hex')`,
};

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
    const values = rowValues(row);
    const placeholders = COLUMNS.map((column, i) => {
      const placeholder = `$${params.length + i + 1}`;
      return CASTS[column]?.(placeholder) ?? placeholder;
    });
    params.push(...values);
    return `(${placeholders.join(", ")})`;
  });
  return { sql: `INSERT INTO "audit_events" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")}`, params };
}

function rowValues({ seq, leafHash, event }: NumberedEvent): unknown[] {
  return [
    seq.toString(),
    event.occurredAt.toISOString(),
    event.type,
    event.decision,
    event.environment ?? null,
    event.agent ?? null,
    event.user ?? null,
    event.actor ?? null,
    event.scope ?? null,
    event.resource ?? null,
    event.audience ?? null,
    event.jti ?? null,
    event.reason ?? null,
    event.rule ?? null,
    event.policyVersion ?? null,
    event.requestId ?? null,
    event.traceId ?? null,
    event.clientIp ?? null,
    event.detail === undefined ? null : JSON.stringify(event.detail),
    Buffer.from(leafHash).toString("hex"),
  ];
}
