import type { AuditEvent } from "../../../src/domain/audit/audit-event";
import { auditInsertSql, type NumberedEvent } from "../../../src/stores/postgres/audit-insert-sql";

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  occurredAt: new Date("2026-11-21T10:00:00.123Z"),
  type: "issued",
  decision: "allow",
  agent: "support-agent",
  ...overrides,
});
const row = (seq: number, e: AuditEvent = event()): NumberedEvent => ({ seq: BigInt(seq), leafHash: new Uint8Array(32).fill(seq), event: e });

describe("auditInsertSql", () => {
  test("binds every value as a parameter, so no event text ever reaches the SQL", () => {
    const hostile = `x'); DROP TABLE audit_events; --`;
    const { sql, params } = auditInsertSql([row(1, event({ agent: hostile, reason: hostile, detail: { note: hostile } }))]);
    expect(sql).not.toContain(hostile);
    expect(sql).not.toContain("DROP");
    expect(params).toContain(hostile);
    expect(params).toContain(JSON.stringify({ note: hostile }));
  });

  test("writes one row of 20 placeholders per event, numbered across the batch", () => {
    const { sql, params } = auditInsertSql([row(1), row(2, event({ type: "denied", decision: "deny" }))]);
    expect(params).toHaveLength(40);
    expect(sql).toContain("($1::bigint, $2::timestamptz, $3,");
    expect(sql).toContain("($21::bigint, $22::timestamptz, $23,");
    expect(sql).toMatch(/decode\(\$40, 'hex'\)\)$/);
  });

  test("stores absent fields as NULL, keeps the millisecond of occurred_at, the seq and the leaf hash", () => {
    const { params } = auditInsertSql([row(7)]);
    expect(params[0]).toBe("7");
    expect(params[1]).toBe("2026-11-21T10:00:00.123Z");
    expect(params.slice(4, 19)).toEqual([null, "support-agent", ...Array(13).fill(null)]);
    expect(params[19]).toBe("07".repeat(32));
  });

  test("keeps the largest batch the ledger sends (500 events) under PostgreSQL's 65,535 parameters", () => {
    const { params } = auditInsertSql(Array.from({ length: 500 }, (_, i) => row(i + 1)));
    expect(params.length).toBeLessThan(65_535);
  });
});
