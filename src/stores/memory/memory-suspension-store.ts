import type { Clock } from "../../domain/clock";
import { REVOCATION_MEMORY_MS, type SuspensionStatus, type SuspensionStore } from "../../domain/agents/suspension-store";

/** Suspended agents in process memory (dev mode, tests): same contract as Redis. */
export class MemorySuspensionStore implements SuspensionStore {
  /** Agent → end of its suspension (epoch ms; Infinity until resumed). */
  private readonly suspended = new Map<string, number>();
  private readonly watermarks = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async suspend(agent: string, atMs: number, forMs?: number): Promise<boolean> {
    this.watermarks.set(agent, Math.max(atMs, this.watermarks.get(agent) ?? 0));
    if (this.isSuspended(agent)) return false;
    this.suspended.set(agent, forMs === undefined ? Infinity : this.clock.now() + Math.max(1, Math.round(forMs)));
    return true;
  }

  async resume(agent: string): Promise<boolean> {
    const was = this.isSuspended(agent);
    this.suspended.delete(agent);
    return was;
  }

  private isSuspended(agent: string): boolean {
    const until = this.suspended.get(agent);
    return until !== undefined && this.clock.now() < until;
  }

  async status(agent: string): Promise<SuspensionStatus> {
    return this.statusNow(agent);
  }

  /** `status` run to completion on the event loop, for the memory RequestGate's one atomic step. */
  statusNow(agent: string): SuspensionStatus {
    const mark = this.watermarks.get(agent);
    const live = mark !== undefined && this.clock.now() - mark < REVOCATION_MEMORY_MS;
    return { suspended: this.isSuspended(agent), ...(live ? { revokedBefore: mark } : {}) };
  }
}
