import type { Clock } from "../../domain/clock";
import type { ReplayGuard } from "../../domain/identity/replay-guard";

/** Replay memory for dev mode and unit tests; forgets a key when its time is up, like Redis's PX. */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    sweepEveryMs = 10_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs).unref();
  }

  async firstUse(key: string, ttlMs: number): Promise<boolean> {
    return this.firstUseNow(key, ttlMs);
  }

  /** `firstUse` run to completion on the event loop, for the memory RequestGate's one atomic step. */
  firstUseNow(key: string, ttlMs: number): boolean {
    const now = this.clock.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + ttlMs);
    return true;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }
}
