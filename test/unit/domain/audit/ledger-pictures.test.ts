import type { AuditEvent } from "../../../../src/domain/audit/audit-event";
import { bucketFor, ledgerPictures, NO_ENVIRONMENT, NO_REASON } from "../../../../src/domain/audit/ledger-pictures";
import { MemoryAuditLog } from "../../../../src/stores/memory/memory-audit-log";

const at = (iso: string) => new Date(iso);
const event = (e: Partial<AuditEvent>): AuditEvent => ({ type: "issued", decision: "allow", occurredAt: at("2026-11-23T10:00:00Z"), ...e });

async function ledgerOf(events: AuditEvent[]): Promise<MemoryAuditLog> {
  const log = new MemoryAuditLog();
  for (const e of events) await log.append(e);
  return log;
}

describe("the ledger's pictures", () => {
  const events = [
    event({ environment: "production", agent: "support-agent", occurredAt: at("2026-11-23T10:05:00Z") }),
    event({ environment: "production", agent: "support-agent", occurredAt: at("2026-11-23T12:59:00Z") }),
    event({ environment: "staging", agent: "deploy", occurredAt: at("2026-11-23T11:00:00Z") }),
    event({ type: "redeemed", environment: "production", agent: "support-agent", occurredAt: at("2026-11-23T10:06:00Z") }),
    event({
      type: "denied",
      decision: "deny",
      environment: "production",
      agent: "support-agent",
      reason: "explicit_deny",
      occurredAt: at("2026-11-23T10:07:00Z"),
    }),
    event({ type: "denied", decision: "deny", environment: "staging", agent: "deploy", reason: "environment_wall", occurredAt: at("2026-11-23T11:30:00Z") }),
    event({ type: "denied", decision: "deny", environment: "staging", agent: "deploy", reason: "environment_wall", occurredAt: at("2026-11-23T12:30:00Z") }),
    event({ type: "denied", decision: "deny", agent: "ghost", occurredAt: at("2026-11-23T12:31:00Z") }),
    // Outside the range: never counted.
    event({ environment: "production", agent: "support-agent", occurredAt: at("2026-11-23T13:00:00Z") }),
    event({ type: "denied", decision: "deny", environment: "staging", agent: "deploy", reason: "no_grant", occurredAt: at("2026-11-23T09:59:59.999Z") }),
  ];
  const query = { from: at("2026-11-23T10:00:00Z"), to: at("2026-11-23T13:00:00Z"), bucket: "hour" as const };

  it("lays out issuances and redemptions per environment over every bucket of the range, empty buckets as 0", async () => {
    const pictures = await ledgerPictures(await ledgerOf(events), query);
    expect(pictures.buckets).toEqual([at("2026-11-23T10:00:00Z"), at("2026-11-23T11:00:00Z"), at("2026-11-23T12:00:00Z")]);
    expect(pictures.issued).toEqual([
      { key: "production", counts: [1, 0, 1], total: 2 },
      { key: "staging", counts: [0, 1, 0], total: 1 },
    ]);
    expect(pictures.redeemed).toEqual([{ key: "production", counts: [1, 0, 0], total: 1 }]);
  });

  it("splits denials per environment by reason, and names the missing ones", async () => {
    const pictures = await ledgerPictures(await ledgerOf(events), query);
    expect(pictures.denied).toEqual([
      { environment: NO_ENVIRONMENT, byReason: [{ key: NO_REASON, counts: [0, 0, 1], total: 1 }] },
      { environment: "production", byReason: [{ key: "explicit_deny", counts: [1, 0, 0], total: 1 }] },
      { environment: "staging", byReason: [{ key: "environment_wall", counts: [0, 1, 1], total: 2 }] },
    ]);
    expect(pictures.topDenied).toEqual([
      { agent: "deploy", count: 2 },
      { agent: "ghost", count: 1 },
      { agent: "support-agent", count: 1 },
    ]);
  });

  it("narrows every picture to one environment", async () => {
    const pictures = await ledgerPictures(await ledgerOf(events), { ...query, environment: "staging", top: 1 });
    expect(pictures.issued.map((s) => s.key)).toEqual(["staging"]);
    expect(pictures.redeemed).toEqual([]);
    expect(pictures.denied.map((d) => d.environment)).toEqual(["staging"]);
    expect(pictures.topDenied).toEqual([{ agent: "deploy", count: 2 }]);
  });

  it("picks the finest bucket that keeps a picture to a few hundred bars", () => {
    expect(bucketFor(at("2026-11-23T10:00:00Z"), at("2026-11-23T11:00:00Z"))).toBe("minute");
    expect(bucketFor(at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z"))).toBe("hour");
    expect(bucketFor(at("2026-10-01T00:00:00Z"), at("2026-11-30T00:00:00Z"))).toBe("day");
  });
});
