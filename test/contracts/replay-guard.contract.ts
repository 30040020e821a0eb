import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReplayGuard } from "../../src/domain/identity/replay-guard";

/** A guard under test and how to let go of it afterwards. */
export interface ReplayGuardFixture {
  readonly guard: ReplayGuard;
  close(): Promise<void>;
}

const SHORT_TTL_MS = 300;
const LONG_TTL_MS = 60_000;

/** The guarantees every ReplayGuard gives; each test uses fresh keys. */
export function describeReplayGuardContract(name: string, factory: () => Promise<ReplayGuardFixture>): void {
  describe(`${name} (ReplayGuard contract)`, () => {
    let fixture: ReplayGuardFixture;
    let guard: ReplayGuard;
    beforeAll(async () => {
      fixture = await factory();
      guard = fixture.guard;
    });
    afterAll(() => fixture?.close());

    const key = () => `support-agent:${randomUUID()}`;

    test("accepts a key the first time and refuses it while remembered", async () => {
      const k = key();
      expect(await guard.firstUse(k, LONG_TTL_MS)).toBe(true);
      expect(await guard.firstUse(k, LONG_TTL_MS)).toBe(false);
      expect(await guard.firstUse(k, LONG_TTL_MS)).toBe(false);
    });

    test("tells keys apart", async () => {
      expect(await guard.firstUse(key(), LONG_TTL_MS)).toBe(true);
      expect(await guard.firstUse(key(), LONG_TTL_MS)).toBe(true);
    });

    test("forgets a key once its ttl has passed", async () => {
      const k = key();
      expect(await guard.firstUse(k, SHORT_TTL_MS)).toBe(true);
      await sleep(SHORT_TTL_MS * 2);
      expect(await guard.firstUse(k, LONG_TTL_MS)).toBe(true);
      expect(await guard.firstUse(k, LONG_TTL_MS)).toBe(false);
    });

    test("accepts exactly one of 20 concurrent first uses of one key", async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 20 }, () => guard.firstUse(k, LONG_TTL_MS)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
