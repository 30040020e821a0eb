import type { Clock } from "../../domain/clock";
import { compareEntryIds, type Revocation, type RevocationEntry } from "../../domain/revocations/revocation";
import { REVOCATION_RETENTION_MS, type RevocationFeed } from "../../domain/revocations/revocation-feed";

/** The revocation feed of one process (dev mode): ids like a Redis Stream's, trimmed after the retention window. */
export class MemoryRevocationFeed implements RevocationFeed {
  private readonly entries: RevocationEntry[] = [];
  private readonly listeners = new Set<(entry: RevocationEntry) => void>();
  private last = { ms: 0, seq: 0 };

  constructor(private readonly clock: Clock) {}

  async publish(revocation: Revocation): Promise<string> {
    const now = this.clock.now();
    this.last = now > this.last.ms ? { ms: now, seq: 0 } : { ms: this.last.ms, seq: this.last.seq + 1 };
    const entry = { id: `${this.last.ms}-${this.last.seq}`, revocation };
    this.entries.push(entry);
    this.trim(now);
    for (const listener of this.listeners) listener(entry);
    return entry.id;
  }

  async since(afterId: string | undefined, limit: number): Promise<RevocationEntry[]> {
    this.trim(this.clock.now());
    const after = afterId ?? "0-0";
    return this.entries.filter((entry) => compareEntryIds(entry.id, after) > 0).slice(0, limit);
  }

  subscribe(listener: (entry: RevocationEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private trim(now: number): void {
    const oldest = now - REVOCATION_RETENTION_MS;
    while (this.entries.length > 0 && Number(this.entries[0].id.split("-")[0]) < oldest) this.entries.shift();
  }
}
