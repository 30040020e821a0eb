import type { AuditEvent, AuditEventType } from "./audit-event";
import type { EventFilter, LedgerEntry } from "./ledger-reader";

/** The width of one time bucket of `counts`: a UTC minute, hour or day. */
export const COUNT_BUCKETS = ["minute", "hour", "day"] as const;
export type CountBucket = (typeof COUNT_BUCKETS)[number];

/** How many events of one type, environment and reason fell in one time bucket. */
export interface EventCount {
  /** Start of the bucket (UTC). */
  readonly bucket: Date;
  readonly type: AuditEventType;
  readonly environment?: string;
  readonly reason?: string;
  readonly count: number;
}

/** An agent and how many `denied` events the ledger holds for it. */
export interface DeniedAgent {
  readonly agent: string;
  readonly count: number;
}

/**
 * Aggregate reads of the ledger, for the console's pictures: counted by the
 * store (SQL GROUP BY in PostgreSQL), never by paging through every event.
 * Both answer in a stable order, so two stores holding the same events give
 * equal answers (the contract suite holds them to `countEvents` and `rankDenied`).
 */
export interface LedgerAggregates {
  /**
   * Events matching `filter`, counted per bucket × type × environment × reason;
   * ordered by bucket, type, environment, reason (absent first). Example:
   * `counts({ from, to, environment: "production" }, "hour")`.
   */
  counts(filter: EventFilter, bucket: CountBucket): Promise<EventCount[]>;
  /** The `n` agents with most `denied` events matching `filter`; most first, then by agent id. */
  topDenied(filter: EventFilter, n: number): Promise<DeniedAgent[]>;
  /** Up to `limit` events matching `filter`, newest first (e.g. an agent's recent denials). */
  latest(filter: EventFilter, limit: number): Promise<LedgerEntry[]>;
}

/** Start of the UTC bucket `at` falls in. */
export function bucketStart(at: Date, bucket: CountBucket): Date {
  const start = new Date(at);
  start.setUTCSeconds(0, 0);
  if (bucket !== "minute") start.setUTCMinutes(0);
  if (bucket === "day") start.setUTCHours(0);
  return start;
}

/** The meaning of `counts` over events already filtered: what the memory twin does and the SQL must equal. */
export function countEvents(events: Iterable<AuditEvent>, bucket: CountBucket): EventCount[] {
  const counts = new Map<string, { bucket: Date; type: AuditEventType; environment?: string; reason?: string; count: number }>();
  for (const event of events) {
    const start = bucketStart(event.occurredAt, bucket);
    const key = JSON.stringify([start.getTime(), event.type, event.environment ?? null, event.reason ?? null]);
    const found = counts.get(key);
    if (found) found.count++;
    else counts.set(key, { bucket: start, type: event.type, environment: event.environment, reason: event.reason, count: 1 });
  }
  return [...counts.values()].sort(compareCounts).map(withoutAbsent);
}

/** The meaning of `topDenied` over events already filtered. */
export function rankDenied(events: Iterable<AuditEvent>, n: number): DeniedAgent[] {
  const counts = new Map<string, number>();
  for (const event of events) if (event.type === "denied" && event.agent !== undefined) counts.set(event.agent, (counts.get(event.agent) ?? 0) + 1);
  return [...counts]
    .map(([agent, count]) => ({ agent, count }))
    .sort((a, b) => b.count - a.count || compareText(a.agent, b.agent))
    .slice(0, Math.max(0, n));
}

function compareCounts(a: EventCount, b: EventCount): number {
  return (
    a.bucket.getTime() - b.bucket.getTime() ||
    compareText(a.type, b.type) ||
    compareOptional(a.environment, b.environment) ||
    compareOptional(a.reason, b.reason)
  );
}

/** Code-unit order: what PostgreSQL's `COLLATE "C"` gives for the ids and reason codes of the ledger, in every locale. */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareOptional = (a?: string, b?: string) => (a === b ? 0 : a === undefined ? -1 : b === undefined ? 1 : compareText(a, b));

function withoutAbsent(count: EventCount): EventCount {
  return {
    bucket: count.bucket,
    type: count.type,
    ...(count.environment === undefined ? {} : { environment: count.environment }),
    ...(count.reason === undefined ? {} : { reason: count.reason }),
    count: count.count,
  };
}
