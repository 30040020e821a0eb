import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../../src/domain/audit/audit-event";
import type { AuditLog } from "../../src/domain/audit/audit-log";
import { countEvents, rankDenied } from "../../src/domain/audit/ledger-aggregates";
import type { LedgerReader } from "../../src/domain/audit/ledger-reader";

/**
 * The aggregate reads every LedgerReader gives (ledger-aggregates.ts), run by
 * the AuditLog contract against each store on the ledger it shares: every test
 * tells its events apart by fresh agent ids, so others' events never count.
 */
export function describeLedgerAggregatesContract(ports: () => { log: AuditLog; reader: LedgerReader }): void {
  describe("aggregate reads", () => {
    const tag = randomUUID().slice(0, 8);
    const agents = [`a-${tag}`, `b-${tag}`, `c-${tag}`, `d-${tag}`];
    const [a, b, c, d] = agents;
    const at = (iso: string) => new Date(iso);
    const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
      type: "issued",
      decision: "allow",
      occurredAt: at("2026-11-23T10:15:00.000Z"),
      ...overrides,
    });
    // A known mix over two days, two environments and three denial reasons, written in this order.
    const seeded: AuditEvent[] = [
      // d ties with a on one denial, and is written first: the tie goes by agent id, not ledger order.
      event({ agent: d, environment: "staging", type: "denied", decision: "deny", reason: "no_grant", occurredAt: at("2026-11-23T09:00:00.000Z") }),
      event({ agent: a, environment: "production", occurredAt: at("2026-11-23T10:00:00.000Z") }),
      event({ agent: a, environment: "production", occurredAt: at("2026-11-23T10:59:59.999Z") }),
      event({ agent: a, environment: "production", type: "redeemed", actor: "crm-prod", occurredAt: at("2026-11-23T10:30:00.000Z") }),
      event({ agent: b, environment: "staging", occurredAt: at("2026-11-23T11:00:00.000Z") }),
      event({ agent: a, environment: "production", type: "denied", decision: "deny", reason: "explicit_deny", occurredAt: at("2026-11-23T10:01:00.000Z") }),
      event({ agent: b, environment: "staging", type: "denied", decision: "deny", reason: "no_grant", occurredAt: at("2026-11-23T10:02:00.000Z") }),
      event({ agent: b, environment: "staging", type: "denied", decision: "deny", reason: "no_grant", occurredAt: at("2026-11-23T23:59:59.999Z") }),
      event({ agent: b, environment: "production", type: "denied", decision: "deny", reason: "environment_wall", occurredAt: at("2026-11-24T00:00:00.000Z") }),
      event({ agent: c, type: "denied", decision: "deny", reason: "unknown_agent", occurredAt: at("2026-11-24T00:00:01.000Z") }),
      event({ agent: c, environment: "production", type: "denied", decision: "deny", reason: "explicit_deny", occurredAt: at("2026-11-24T09:00:00.000Z") }),
      event({ agent: b, environment: "staging", type: "redeemed", occurredAt: at("2026-11-24T09:00:00.000Z") }),
    ];
    const ours = (events: AuditEvent[]) => events.filter((e) => e.agent !== undefined && agents.includes(e.agent));
    let reader: LedgerReader;
    beforeAll(async () => {
      const { log } = ports();
      ({ reader } = ports());
      for (const e of seeded) await log.append(e);
    });

    /** One agent's counts: the filter keeps other tests' events out. */
    const countsOf = (agent: string, bucket: "minute" | "hour" | "day", extra = {}) => reader.counts({ agent, ...extra }, bucket);

    test("counts per hour × type × environment × reason, in UTC hours, ordered", async () => {
      expect(await countsOf(a, "hour")).toEqual([
        { bucket: at("2026-11-23T10:00:00.000Z"), type: "denied", environment: "production", reason: "explicit_deny", count: 1 },
        { bucket: at("2026-11-23T10:00:00.000Z"), type: "issued", environment: "production", count: 2 },
        { bucket: at("2026-11-23T10:00:00.000Z"), type: "redeemed", environment: "production", count: 1 },
      ]);
    });

    test("counts per day and per minute cut at UTC boundaries, absent environment and reason kept apart", async () => {
      expect(await countsOf(b, "day")).toEqual([
        { bucket: at("2026-11-23T00:00:00.000Z"), type: "denied", environment: "staging", reason: "no_grant", count: 2 },
        { bucket: at("2026-11-23T00:00:00.000Z"), type: "issued", environment: "staging", count: 1 },
        { bucket: at("2026-11-24T00:00:00.000Z"), type: "denied", environment: "production", reason: "environment_wall", count: 1 },
        { bucket: at("2026-11-24T00:00:00.000Z"), type: "redeemed", environment: "staging", count: 1 },
      ]);
      expect(await countsOf(c, "minute")).toEqual([
        { bucket: at("2026-11-24T00:00:00.000Z"), type: "denied", reason: "unknown_agent", count: 1 },
        { bucket: at("2026-11-24T09:00:00.000Z"), type: "denied", environment: "production", reason: "explicit_deny", count: 1 },
      ]);
    });

    test("counts honour every filter: time range (from inclusive, to exclusive), environment, type", async () => {
      const window = { from: at("2026-11-23T10:00:00.000Z"), to: at("2026-11-24T00:00:00.000Z") };
      expect(await countsOf(b, "day", { ...window, type: "denied" })).toEqual([
        { bucket: at("2026-11-23T00:00:00.000Z"), type: "denied", environment: "staging", reason: "no_grant", count: 2 },
      ]);
      expect(await countsOf(b, "day", { environment: "production" })).toEqual([
        { bucket: at("2026-11-24T00:00:00.000Z"), type: "denied", environment: "production", reason: "environment_wall", count: 1 },
      ]);
    });

    test("counts equal the reference counting of the same events", async () => {
      for (const agent of agents) {
        for (const bucket of ["minute", "hour", "day"] as const) {
          expect(await countsOf(agent, bucket)).toEqual(
            countEvents(
              ours(seeded).filter((e) => e.agent === agent),
              bucket,
            ),
          );
        }
      }
    });

    test("counts nothing for a filter no event matches", async () => {
      expect(await reader.counts({ agent: `nobody-${tag}` }, "hour")).toEqual([]);
    });

    test("topDenied ranks agents by their denied events, ties by agent id, at most n", async () => {
      // Only our agents: narrow by time to our seeded window and keep ours (other tests share the ledger).
      const window = { from: at("2026-11-23T00:00:00.000Z"), to: at("2026-11-25T00:00:00.000Z") };
      const ranked = (await reader.topDenied(window, 10_000)).filter((d) => agents.includes(d.agent));
      expect(ranked).toEqual(rankDenied(ours(seeded), 10));
      expect(ranked).toEqual([
        { agent: b, count: 3 },
        { agent: c, count: 2 },
        { agent: a, count: 1 },
        { agent: d, count: 1 },
      ]);
      expect(await reader.topDenied({ agent: b }, 5)).toEqual([{ agent: b, count: 3 }]);
      expect(await reader.topDenied({ agent: b, environment: "staging" }, 5)).toEqual([{ agent: b, count: 2 }]);
      expect(await reader.topDenied({ agent: a, type: "issued" }, 5)).toEqual([]);
      expect(await reader.topDenied({ agent: b }, 0)).toEqual([]);
    });

    test("latest gives the newest events first, up to limit", async () => {
      const newest = await reader.latest({ agent: b }, 3);
      expect(newest.map((e) => [e.type, e.occurredAt.toISOString()])).toEqual([
        ["redeemed", "2026-11-24T09:00:00.000Z"],
        ["denied", "2026-11-24T00:00:00.000Z"],
        ["denied", "2026-11-23T23:59:59.999Z"],
      ]);
      expect(newest[0].seq > newest[1].seq && newest[1].seq > newest[2].seq).toBe(true);
      expect((await reader.latest({ agent: a, type: "denied" }, 10)).map((e) => e.reason)).toEqual(["explicit_deny"]);
      expect(await reader.latest({ agent: `nobody-${tag}` }, 10)).toEqual([]);
      // The same entries the page read gives, leaf hash included.
      const [one] = await reader.latest({ agent: c }, 1);
      expect(one).toEqual(await reader.get(one.seq));
    });
  });
}
