import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { WindowCounter } from "../../src/domain/limits/window-counter";

/** The guarantees every WindowCounter gives; each test uses fresh keys. */
export function describeWindowCounterContract(name: string, factory: () => Promise<{ counter: WindowCounter; close(): Promise<void> }>): void {
  describe(`${name} (WindowCounter contract)`, () => {
    let fixture: { counter: WindowCounter; close(): Promise<void> };
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(() => fixture?.close());

    test("counts hits of a key from 1 within its window, with the time left until it resets", async () => {
      const key = `rl:agent:${randomUUID()}`;
      const first = await fixture.counter.hit(key, 60_000);
      const second = await fixture.counter.hit(key, 60_000);
      expect([first.count, second.count]).toEqual([1, 2]);
      expect(second.resetInMs).toBeGreaterThan(50_000);
      expect(second.resetInMs).toBeLessThanOrEqual(60_000);
    });

    test("starts again from 1 once the window has passed", async () => {
      const key = `rl:agent:${randomUUID()}`;
      await fixture.counter.hit(key, 200);
      await fixture.counter.hit(key, 200);
      await sleep(400);
      expect((await fixture.counter.hit(key, 200)).count).toBe(1);
    });

    test("gives 30 concurrent hits 30 distinct counts", async () => {
      const key = `rl:env:${randomUUID()}`;
      const counts = await Promise.all(Array.from({ length: 30 }, () => fixture.counter.hit(key, 60_000).then((r) => r.count)));
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });
  });
}
