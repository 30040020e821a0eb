import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SuspensionStore } from "../../src/domain/agents/suspension-store";
import { revokedBySuspension } from "../../src/domain/agents/suspension-store";

export interface SuspensionStoreFixture {
  readonly store: SuspensionStore;
  close(): Promise<void>;
}

/** The guarantees every SuspensionStore gives, run against memory and Redis alike. */
export function describeSuspensionStoreContract(name: string, factory: () => Promise<SuspensionStoreFixture>): void {
  describe(`${name} (SuspensionStore contract)`, () => {
    let fixture: SuspensionStoreFixture;
    let store: SuspensionStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());
    const agent = () => `agent-${randomUUID()}`;

    it("knows nothing of an agent never suspended", async () => {
      expect(await store.status(agent())).toEqual({ suspended: false });
    });

    it("suspends idempotently and remembers when", async () => {
      const a = agent();
      const at = Date.now();
      expect(await store.suspend(a, at)).toBe(true);
      expect(await store.suspend(a, at + 5)).toBe(false);
      const status = await store.status(a);
      expect(status.suspended).toBe(true);
      expect(status.revokedBefore).toBe(at + 5);
    });

    it("resumes idempotently, keeping earlier credentials revoked", async () => {
      const a = agent();
      const at = Date.now();
      await store.suspend(a, at);
      expect(await store.resume(a)).toBe(true);
      expect(await store.resume(a)).toBe(false);
      const status = await store.status(a);
      expect(status).toEqual({ suspended: false, revokedBefore: at });
      expect(revokedBySuspension(status, at - 1000)).toBe(true);
      expect(revokedBySuspension(status, at + 1000)).toBe(false);
    });

    it("lifts a timed suspension by itself when its time has passed, keeping earlier credentials revoked", async () => {
      const a = agent();
      const at = Date.now();
      expect(await store.suspend(a, at, 300)).toBe(true);
      expect((await store.status(a)).suspended).toBe(true);
      await sleep(600);
      expect(await store.status(a)).toEqual({ suspended: false, revokedBefore: at });
      expect(await store.suspend(a, at + 1)).toBe(true);
    });
  });
}
