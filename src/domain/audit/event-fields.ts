import type { AuditEvent } from "./audit-event";

/**
 * The ledger schema, written once: every field of an `AuditEvent` and its
 * snake_case name in the event's public document — the bytes a leaf hashes
 * (canonical-event.ts), the auditors' API answers and NDJSON export — in
 * document order. The stores derive their columns from it (the PostgreSQL
 * column is this name unless the store says otherwise), so adding a field is:
 * the `AuditEvent` property, its line here (the compiler asks for it), a
 * migration.
 *
 * A name here is part of the hashed bytes: renaming one changes the leaf hash
 * of every existing event that has the field, which is a new LEAF_FORMAT, not a
 * refactoring (test/unit/domain/audit/canonical-event.test.ts holds golden hashes).
 */
export const EVENT_FIELDS = {
  occurredAt: "time",
  type: "type",
  decision: "decision",
  environment: "environment",
  agent: "agent",
  user: "user",
  actor: "actor",
  scope: "scope",
  resource: "resource",
  audience: "audience",
  jti: "jti",
  reason: "reason",
  rule: "rule",
  policyVersion: "policy_version",
  requestId: "request_id",
  traceId: "trace_id",
  clientIp: "client_ip",
  detail: "detail",
} as const satisfies { readonly [F in keyof Required<AuditEvent>]: string };

export type EventField = keyof typeof EVENT_FIELDS;
export type EventFieldName = (typeof EVENT_FIELDS)[EventField];

/** The fields in document order. */
export const EVENT_FIELD_LIST = Object.keys(EVENT_FIELDS) as EventField[];

/**
 * The JSON value of one field in the document: time as ISO 8601 UTC with
 * milliseconds, everything else as it is; `undefined` for an absent field.
 */
export function documentValue(event: AuditEvent, field: EventField): unknown {
  const value = event[field];
  return value instanceof Date ? value.toISOString() : value;
}
