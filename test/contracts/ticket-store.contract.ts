import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { TicketStore } from "../../src/domain/tickets/ticket-store";

export interface TicketStoreFixture {
  readonly store: TicketStore;
  close(): Promise<void>;
}

/** The guarantees every TicketStore gives (see its interface): dev mode's memory store behaves like Redis. */
export function describeTicketStoreContract(name: string, factory: () => Promise<TicketStoreFixture>): void {
  describe(`${name} (TicketStore contract)`, () => {
    let fixture: TicketStoreFixture;
    let store: TicketStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());
    const id = () => `code:${randomUUID()}`;

    test("get answers the value of a live, unspent ticket and nothing for an unknown one", async () => {
      const ticket = id();
      await store.put(ticket, "v1", 60_000);
      expect(await store.get(ticket)).toBe("v1");
      expect(await store.get(id())).toBeUndefined();
    });

    test("take is fresh once, then spent with the value (replay), and get no longer answers", async () => {
      const ticket = id();
      await store.put(ticket, "v1", 60_000);
      expect(await store.take(ticket)).toEqual({ status: "fresh", value: "v1" });
      expect(await store.take(ticket)).toEqual({ status: "spent", value: "v1" });
      expect(await store.get(ticket)).toBeUndefined();
      expect(await store.take(id())).toEqual({ status: "unknown" });
    });

    test("of many concurrent takes exactly one is fresh", async () => {
      const ticket = id();
      await store.put(ticket, "v1", 60_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(ticket)));
      expect(results.filter((r) => r.status === "fresh")).toHaveLength(1);
      expect(results.filter((r) => r.status === "spent")).toHaveLength(19);
    });

    test("put replaces a ticket, unspent again; remove forgets it", async () => {
      const ticket = id();
      await store.put(ticket, "v1", 60_000);
      await store.take(ticket);
      await store.put(ticket, "v2", 60_000);
      expect(await store.get(ticket)).toBe("v2");
      await store.remove(ticket);
      expect(await store.take(ticket)).toEqual({ status: "unknown" });
      await store.remove(ticket);
    });

    test("a ticket expires after its ttl, spent or not", async () => {
      const [a, b] = [id(), id()];
      await store.put(a, "v", 200);
      await store.put(b, "v", 200);
      await store.take(b);
      await sleep(400);
      expect(await store.get(a)).toBeUndefined();
      expect(await store.take(a)).toEqual({ status: "unknown" });
      expect(await store.take(b)).toEqual({ status: "unknown" });
    });
  });
}
