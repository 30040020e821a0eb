import type { Clock } from "../../domain/clock";
import { REVOCATION_MEMORY_MS, type SuspensionStatus, type SuspensionStore } from "../../domain/agents/suspension-store";

/** Suspended agents in process memory (dev mode, tests): same contract as Redis. */
export class MemorySuspensionStore implements SuspensionStore {
  private readonly suspended = new Set<string>();
  private readonly watermarks = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async suspend(agent: string, atMs: number): Promise<boolean> {
    this.watermarks.set(agent, Math.max(atMs, this.watermarks.get(agent) ?? 0));
    if (this.suspended.has(agent)) return false;
    this.suspended.add(agent);
    return true;
  }

  async resume(agent: string): Promise<boolean> {
    return this.suspended.delete(agent);
  }

  async status(agent: string): Promise<SuspensionStatus> {
    const mark = this.watermarks.get(agent);
    const live = mark !== undefined && this.clock.now() - mark < REVOCATION_MEMORY_MS;
    return { suspended: this.suspended.has(agent), ...(live ? { revokedBefore: mark } : {}) };
  }
}
