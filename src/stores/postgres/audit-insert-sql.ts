import type { AuditEvent } from "../../domain/audit/audit-event";

const COLUMNS = [
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
  "client_ip",
  "detail",
] as const;

const CASTS: Partial<Record<(typeof COLUMNS)[number], string>> = { occurred_at: "::timestamptz", detail: "::jsonb" };

/**
 * One parameterized multi-row INSERT for a batch of ledger events. The ledger
 * writes it as raw SQL because Prisma's `createMany` builds and compiles its
 * query plan on every call, which profiles showed at about a quarter of
 * Locksmith's CPU per issuance. Values are always bound parameters, never
 * spliced into the text.
 */
export function auditInsertSql(events: readonly AuditEvent[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const rows = events.map((event) => {
    const values = rowValues(event);
    const placeholders = COLUMNS.map((column, i) => `$${params.length + i + 1}${CASTS[column] ?? ""}`);
    params.push(...values);
    return `(${placeholders.join(", ")})`;
  });
  return { sql: `INSERT INTO "audit_events" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${rows.join(", ")}`, params };
}

function rowValues(event: AuditEvent): unknown[] {
  return [
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
    event.clientIp ?? null,
    event.detail === undefined ? null : JSON.stringify(event.detail),
  ];
}
