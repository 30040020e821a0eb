import type { Clock } from "../../domain/clock";
import type { TakeResult, TicketStore } from "../../domain/tickets/ticket-store";

interface Entry {
  value: string;
  spent: boolean;
  expiresAt: number;
}

/** Tickets for dev mode and unit tests, with Redis's semantics: expiry checked on every read, atomic because each call runs to completion. */
export class MemoryTicketStore implements TicketStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    sweepEveryMs = 10_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs).unref();
  }

  async put(id: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(id, { value, spent: false, expiresAt: this.clock.now() + Math.max(1, ttlMs) });
  }

  async get(id: string): Promise<string | undefined> {
    const entry = this.live(id);
    return entry && !entry.spent ? entry.value : undefined;
  }

  async take(id: string): Promise<TakeResult> {
    const entry = this.live(id);
    if (!entry) return { status: "unknown" };
    if (entry.spent) return { status: "spent", value: entry.value };
    entry.spent = true;
    return { status: "fresh", value: entry.value };
  }

  async remove(id: string): Promise<void> {
    this.entries.delete(id);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }
}
