import type { AuditDecision, AuditEvent, AuditEventType, StoredAuditEvent } from "./audit-event";
import type { LedgerAggregates } from "./ledger-aggregates";
import type { Hash } from "./merkle";
import type { SubtreeSource } from "./merkle-subtrees";

/** What auditors filter the ledger by; every field narrows (AND). */
export interface EventFilter {
  /** occurred_at ≥ from */
  readonly from?: Date;
  /** occurred_at < to */
  readonly to?: Date;
  readonly agent?: string;
  readonly user?: string;
  readonly environment?: string;
  /** One scope the event's scope list contains. */
  readonly scope?: string;
  readonly resource?: string;
  readonly jti?: string;
  readonly type?: AuditEventType;
  readonly decision?: AuditDecision;
}

/**
 * Whether an event passes a filter: the meaning every LedgerReader gives it
 * (the PostgreSQL reader says the same in SQL; the contract suite holds both to it).
 */
export function matchesFilter(event: AuditEvent, filter: EventFilter): boolean {
  const equal = <K extends "agent" | "user" | "environment" | "resource" | "jti" | "type" | "decision">(key: K) =>
    filter[key] === undefined || event[key] === filter[key];
  return (
    (filter.from === undefined || event.occurredAt >= filter.from) &&
    (filter.to === undefined || event.occurredAt < filter.to) &&
    (filter.scope === undefined || (event.scope?.split(" ") ?? []).includes(filter.scope)) &&
    (["agent", "user", "environment", "resource", "jti", "type", "decision"] as const).every(equal)
  );
}

/** A stored event with the leaf hash written with it (absent on rows older than the ledger proofs). */
export interface LedgerEntry extends StoredAuditEvent {
  readonly leafHash?: Hash;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Hash;
  /** The C2SP signed note. */
  readonly note: string;
  /** When it was signed (stored beside it; not part of the signed note). */
  readonly signedAt?: Date;
}

/**
 * Read access to the ledger for auditors, proofs and verification. Pages are
 * in seq order (stable: seqs never change and new events only come after),
 * keyed by the last seq seen, so paging while events are appended neither
 * skips nor repeats one. The aggregate reads (counts, top denied, latest)
 * are in ledger-aggregates.ts.
 */
export interface LedgerReader extends SubtreeSource, LedgerAggregates {
  /** Up to `limit` events matching `filter` with seq > `after`, oldest first. */
  page(filter: EventFilter, after: bigint, limit: number): Promise<LedgerEntry[]>;
  get(seq: bigint): Promise<LedgerEntry | undefined>;
  /** The highest seq stored (0 when empty). */
  lastSeq(): Promise<bigint>;
  /** Leaf hashes of seqs first..last (1-based, inclusive), in order; recomputed where not stored. */
  leafHashes(first: number, last: number): Promise<Hash[]>;
  checkpoints(): Promise<StoredCheckpoint[]>;
  /** The checkpoint of exactly `size`, or the latest when `size` is undefined. */
  checkpoint(size?: number): Promise<StoredCheckpoint | undefined>;
}
