import type { AuditEvent } from "../../../src/domain/audit/audit-event";
import { auditInsertSql } from "../../../src/stores/postgres/audit-insert-sql";

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  occurredAt: new Date("2026-11-21T10:00:00.123Z"),
  type: "issued",
  decision: "allow",
  agent: "support-agent",
  ...overrides,
});

describe("auditInsertSql", () => {
  test("binds every value as a parameter, so no event text ever reaches the SQL", () => {
    const hostile = `x'); DROP TABLE audit_events; --`;
    const { sql, params } = auditInsertSql([event({ agent: hostile, reason: hostile, detail: { note: hostile } })]);
    expect(sql).not.toContain(hostile);
    expect(sql).not.toContain("DROP");
    expect(params).toContain(hostile);
    expect(params).toContain(JSON.stringify({ note: hostile }));
  });

  test("writes one row of 17 placeholders per event, numbered across the batch", () => {
    const { sql, params } = auditInsertSql([event(), event({ type: "denied", decision: "deny" })]);
    expect(params).toHaveLength(34);
    expect(sql).toContain("($1::timestamptz, $2,");
    expect(sql).toContain("($18::timestamptz, $19,");
    expect(sql).toMatch(/\$34::jsonb\)$/);
  });

  test("stores absent fields as NULL and keeps the millisecond of occurred_at", () => {
    const { params } = auditInsertSql([event()]);
    expect(params[0]).toBe("2026-11-21T10:00:00.123Z");
    expect(params.slice(3)).toEqual([null, "support-agent", ...Array(12).fill(null)]);
  });

  test("keeps the largest batch the ledger sends (500 events) under PostgreSQL's 65,535 parameters", () => {
    const { params } = auditInsertSql(Array.from({ length: 500 }, () => event()));
    expect(params.length).toBeLessThan(65_535);
  });
});
