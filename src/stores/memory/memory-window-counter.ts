import type { Clock } from "../../domain/clock";
import type { WindowCounter } from "../../domain/limits/window-counter";

/** Fixed-window counts for dev mode and unit tests, with the same expiry as the Redis counter. */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    return this.hitNow(key, windowMs);
  }

  /** `hit` run to completion on the event loop, for the memory RequestGate's one atomic step. */
  hitNow(key: string, windowMs: number): { count: number; resetInMs: number } {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size > 10_000) for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
      window = { count: 0, endsAt: now + Math.max(1, Math.round(windowMs)) };
      this.windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.endsAt - now };
  }
}
