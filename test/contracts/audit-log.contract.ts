import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../../src/domain/audit/audit-event";
import type { AuditLog } from "../../src/domain/audit/audit-log";
import { eventLeafHash } from "../../src/domain/audit/canonical-event";
import { EVENT_FIELD_LIST } from "../../src/domain/audit/event-fields";
import type { LedgerReader } from "../../src/domain/audit/ledger-reader";
import { findEvents, type EventQuery } from "../support/find-events";
import { describeLedgerAggregatesContract } from "./ledger-aggregates.contract";

/** A ledger under test — its write port and its read port over the same events — and how to let go of it afterwards. */
export interface AuditLogFixture {
  readonly log: AuditLog;
  readonly reader: LedgerReader;
  close(): Promise<void>;
}

/** Every optional field of the ledger schema (EVENT_FIELDS), so a field added there is checked here too. */
const OPTIONAL_FIELDS = EVENT_FIELD_LIST.filter((f) => !["occurredAt", "type", "decision"].includes(f));

/** Milliseconds only: the ledger keeps timestamps to the millisecond. */
const at = (iso: string) => new Date(iso);

const minimal = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  type: "issued",
  decision: "allow",
  occurredAt: at("2026-11-21T10:00:00.123Z"),
  ...overrides,
});

/**
 * The guarantees every AuditLog gives (see its interface). The ledger is
 * shared by the tests of one file; each test tells its events apart by a fresh
 * jti or agent, so none depends on what another wrote.
 */
export function describeAuditLogContract(name: string, factory: () => Promise<AuditLogFixture>, options: { concurrentAppends?: number } = {}): void {
  const concurrent = options.concurrentAppends ?? 200;

  describe(`${name} (AuditLog and LedgerReader contract)`, () => {
    let fixture: AuditLogFixture;
    let log: AuditLog;
    let reader: LedgerReader;
    const find = (query: EventQuery) => findEvents(reader, query);
    // Starting embedded PGlite (wasm, in a child process) takes 15-35 s on a busy 2-core machine.
    beforeAll(async () => {
      fixture = await factory();
      ({ log, reader } = fixture);
    }, 120_000);
    afterAll(() => fixture?.close());

    describeLedgerAggregatesContract(() => fixture);

    test("answers ping while reachable", async () => {
      await expect(log.ping()).resolves.toBeUndefined();
    });

    test("an appended event is readable as soon as append resolves", async () => {
      const jti = randomUUID();
      await log.append(minimal({ jti }));
      expect(await find({ jti })).toHaveLength(1);
    });

    test("every concurrent append is readable as soon as its own promise resolves", async () => {
      const agent = `agent-${randomUUID()}`;
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const jti = randomUUID();
          await log.append(minimal({ agent, jti, detail: { i } }));
          expect(await find({ jti })).toEqual([expect.objectContaining({ jti, agent, detail: { i } })]);
        }),
      );
    });

    test(`loses none of ${concurrent} concurrent appends and gives each a distinct, increasing seq`, async () => {
      const agent = `agent-${randomUUID()}`;
      await Promise.all(Array.from({ length: concurrent }, (_, i) => log.append(minimal({ agent, jti: `${agent}-${i}`, detail: { i } }))));
      const stored = await find({ agent, limit: concurrent * 2 });
      expect(stored).toHaveLength(concurrent);
      expect(new Set(stored.map((e) => e.jti)).size).toBe(concurrent);
      expect(stored.map((e) => e.detail?.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: concurrent }, (_, i) => i));
      for (let i = 1; i < stored.length; i++) expect(stored[i].seq > stored[i - 1].seq).toBe(true);
    });

    test("round-trips every field, detail JSON included", async () => {
      const event: AuditEvent = {
        type: "redeemed",
        decision: "allow",
        occurredAt: at("2026-11-21T10:15:30.456Z"),
        environment: "production",
        agent: "support-agent",
        user: "alice@example.com",
        actor: "crm-prod",
        scope: "crm:read crm:note",
        resource: "crm:customers/42",
        audience: "https://crm.example.com",
        jti: randomUUID(),
        reason: "customer asked for a refund",
        rule: "roles.customer-service-tier-1.grants[0]",
        policyVersion: "sha256:0123456789abcdef",
        requestId: randomUUID(),
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        clientIp: "203.0.113.7",
        detail: { ttl: 300, max_uses: null, delegated: true, note: "ünïcode ✓" },
      };
      await log.append(event);
      const [stored] = await find({ jti: event.jti });
      expect(typeof stored.seq).toBe("bigint");
      const { seq: _seq, ...fields } = stored;
      expect(fields).toEqual(event);
      expect(stored.occurredAt).toBeInstanceOf(Date);
      expect(stored.occurredAt.toISOString()).toBe("2026-11-21T10:15:30.456Z");
    });

    test("gives back absent optional fields as absent, not null", async () => {
      const marker = randomUUID();
      await log.append(minimal({ type: "denied", decision: "deny", requestId: marker }));
      const found = (await find({ type: "denied", limit: 10_000 })).filter((e) => e.requestId === marker);
      expect(found).toHaveLength(1);
      for (const field of OPTIONAL_FIELDS) if (field !== "requestId") expect(found[0][field]).toBeUndefined();
      expect(found[0]).toMatchObject({ type: "denied", decision: "deny" });
    });

    test("stores each event with the leaf hash of its canonical form, and reads back an event that hashes the same", async () => {
      const jti = randomUUID();
      const event = minimal({
        jti,
        agent: "support-agent",
        user: "alice@example.com",
        scope: "crm:read",
        traceId: "0af7651916cd43dd8448eb211c80319c",
        detail: { ttl: 300, note: "ünïcode ✓" },
      });
      await log.append(event);
      const [entry] = await reader.page({ jti }, 0n, 10);
      expect(entry.leafHash?.toString("hex")).toBe(eventLeafHash(entry.seq, event).toString("hex"));
      expect(eventLeafHash(entry.seq, entry).toString("hex")).toBe(entry.leafHash?.toString("hex"));
      expect(await reader.get(entry.seq)).toEqual(entry);
      expect(await reader.lastSeq()).toBeGreaterThanOrEqual(entry.seq);
      expect((await reader.leafHashes(Number(entry.seq), Number(entry.seq))).map((h) => h.toString("hex"))).toEqual([entry.leafHash?.toString("hex")]);
    });

    test("get answers undefined for a seq never written", async () => {
      expect(await reader.get((await reader.lastSeq()) + 1000n)).toBeUndefined();
    });

    describe("page", () => {
      const agent = `agent-${randomUUID()}`;
      const other = `agent-${randomUUID()}`;
      const jti = randomUUID();
      beforeAll(async () => {
        // One after another, so ledger order is this order.
        await log.append(minimal({ agent, jti, type: "issued", occurredAt: at("2026-11-21T10:00:00.000Z") }));
        await log.append(minimal({ agent: other, type: "denied", decision: "deny", occurredAt: at("2026-11-21T10:00:01.000Z") }));
        await log.append(minimal({ agent, jti, type: "redeemed", actor: "crm-prod", occurredAt: at("2026-11-21T10:00:02.000Z") }));
        await log.append(minimal({ agent, jti, type: "revoked", occurredAt: at("2026-11-21T10:00:03.000Z") }));
        await log.append(minimal({ agent, type: "denied", decision: "deny", occurredAt: at("2026-11-21T10:00:04.000Z") }));
      });

      test("filters by jti, oldest first", async () => {
        expect((await find({ jti })).map((e) => e.type)).toEqual(["issued", "redeemed", "revoked"]);
      });

      test("filters by agent, oldest first", async () => {
        expect((await find({ agent })).map((e) => e.type)).toEqual(["issued", "redeemed", "revoked", "denied"]);
        expect((await find({ agent: other })).map((e) => e.type)).toEqual(["denied"]);
      });

      test("filters by type, combined with the other filters", async () => {
        expect((await find({ agent, type: "denied" })).map((e) => e.occurredAt.toISOString())).toEqual(["2026-11-21T10:00:04.000Z"]);
        expect(await find({ jti, type: "denied" })).toEqual([]);
      });

      test("returns events in seq order", async () => {
        const seqs = (await find({ agent })).map((e) => e.seq);
        expect([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seqs);
        expect(new Set(seqs).size).toBe(seqs.length);
      });

      test("caps the answer at limit, oldest first", async () => {
        expect((await find({ agent, limit: 2 })).map((e) => e.type)).toEqual(["issued", "redeemed"]);
      });

      test("filters by user, environment, scope (one of the event's scopes), resource and decision", async () => {
        const tag = randomUUID();
        const base = { agent: tag, occurredAt: at("2026-11-22T08:00:00.000Z") };
        await log.append(minimal({ ...base, user: "alice@example.com", environment: "production", scope: "crm:read crm:note", resource: "crm:customers/1" }));
        await log.append(minimal({ ...base, user: "bob@example.com", environment: "staging", scope: "crm:read", type: "denied", decision: "deny" }));
        const users = async (filter: EventQuery) => (await find({ agent: tag, ...filter })).map((e) => e.user);
        expect(await users({ user: "bob@example.com" })).toEqual(["bob@example.com"]);
        expect(await users({ environment: "production" })).toEqual(["alice@example.com"]);
        expect(await users({ scope: "crm:note" })).toEqual(["alice@example.com"]);
        expect(await users({ scope: "crm:read" })).toEqual(["alice@example.com", "bob@example.com"]);
        expect(await users({ scope: "crm" })).toEqual([]);
        expect(await users({ resource: "crm:customers/1" })).toEqual(["alice@example.com"]);
        expect(await users({ decision: "deny" })).toEqual(["bob@example.com"]);
      });

      test("filters by time: from inclusive, to exclusive", async () => {
        const types = async (filter: EventQuery) => (await find({ agent, ...filter })).map((e) => e.type);
        expect(await types({ from: at("2026-11-21T10:00:02.000Z") })).toEqual(["redeemed", "revoked", "denied"]);
        expect(await types({ to: at("2026-11-21T10:00:02.000Z") })).toEqual(["issued"]);
        expect(await types({ from: at("2026-11-21T10:00:02.000Z"), to: at("2026-11-21T10:00:04.000Z") })).toEqual(["redeemed", "revoked"]);
      });

      test("pages after the last seq seen, neither skipping nor repeating", async () => {
        const first = await reader.page({ agent }, 0n, 2);
        const rest = await reader.page({ agent }, first[1].seq, 10);
        expect([...first, ...rest].map((e) => e.type)).toEqual(["issued", "redeemed", "revoked", "denied"]);
      });

      test("finds nothing for an unknown jti", async () => {
        expect(await find({ jti: randomUUID() })).toEqual([]);
      });
    });
  });
}
