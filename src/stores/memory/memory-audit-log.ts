import type { AuditEvent } from "../../domain/audit/audit-event";
import type { AuditLog } from "../../domain/audit/audit-log";
import { eventLeafHash } from "../../domain/audit/canonical-event";
import { countEvents, rankDenied, type CountBucket, type DeniedAgent, type EventCount } from "../../domain/audit/ledger-aggregates";
import { matchesFilter, type EventFilter, type LedgerEntry, type LedgerReader, type StoredCheckpoint } from "../../domain/audit/ledger-reader";
import type { Hash } from "../../domain/audit/merkle";
import type { LeafRange } from "../../domain/audit/merkle-subtrees";

/**
 * An append-only ledger in memory, both ports (write and read), for unit tests
 * of the use cases. It signs no checkpoints: `checkpoints()` is always empty.
 */
export class MemoryAuditLog implements AuditLog, LedgerReader {
  private readonly events: LedgerEntry[] = [];

  async append(event: AuditEvent): Promise<void> {
    const seq = BigInt(this.events.length + 1);
    this.events.push({ ...event, seq, leafHash: eventLeafHash(seq, event) });
  }

  async ping(): Promise<void> {}

  async page(filter: EventFilter, after: bigint, limit: number): Promise<LedgerEntry[]> {
    return this.events.filter((e) => e.seq > after && matchesFilter(e, filter)).slice(0, limit);
  }

  async counts(filter: EventFilter, bucket: CountBucket): Promise<EventCount[]> {
    return countEvents(this.matching(filter), bucket);
  }

  async topDenied(filter: EventFilter, n: number): Promise<DeniedAgent[]> {
    return rankDenied(this.matching(filter), n);
  }

  async latest(filter: EventFilter, limit: number): Promise<LedgerEntry[]> {
    return this.matching(filter).reverse().slice(0, limit);
  }

  private matching(filter: EventFilter): LedgerEntry[] {
    return this.events.filter((e) => matchesFilter(e, filter));
  }

  async get(seq: bigint): Promise<LedgerEntry | undefined> {
    return this.events[Number(seq) - 1];
  }

  async lastSeq(): Promise<bigint> {
    return BigInt(this.events.length);
  }

  async leafHashes(first: number, last: number): Promise<Hash[]> {
    return this.events.slice(first - 1, last).map((e) => e.leafHash!);
  }

  /** No subtree roots are stored in memory: proofs build every subtree from the leaves. */
  async storedRoots(): Promise<Map<string, Hash>> {
    return new Map();
  }

  async leaves(ranges: readonly LeafRange[]): Promise<Hash[][]> {
    return ranges.map(({ start, end }) => this.events.slice(start, end).map((e) => e.leafHash!));
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return [];
  }

  async checkpoint(): Promise<StoredCheckpoint | undefined> {
    return undefined;
  }
}
