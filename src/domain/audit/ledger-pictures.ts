import type { AuditEventType } from "./audit-event";
import { bucketStart, type CountBucket, type DeniedAgent, type EventCount } from "./ledger-aggregates";
import type { EventFilter, LedgerReader } from "./ledger-reader";

/** What the pictures show: events in [from, to), cut into buckets, optionally of one environment. */
export interface PicturesQuery {
  readonly from: Date;
  readonly to: Date;
  readonly bucket: CountBucket;
  readonly environment?: string;
  /** How many agents the top-denied ranking names. */
  readonly top?: number;
}

/** One line of a chart: a count per bucket, in bucket order. */
export interface Series {
  readonly key: string;
  readonly counts: readonly number[];
  readonly total: number;
}

/** Events without an environment (e.g. a request from an agent unknown to the policy) are counted under this key. */
export const NO_ENVIRONMENT = "(none)";
/** Denials without a reason are counted under this key. */
export const NO_REASON = "(none)";

export interface Pictures {
  readonly query: PicturesQuery;
  /** Start of every bucket in [from, to), oldest first; each series has one count per bucket. */
  readonly buckets: readonly Date[];
  /** `issued` events per environment. */
  readonly issued: readonly Series[];
  /** `redeemed` events per environment. */
  readonly redeemed: readonly Series[];
  /** `denied` events per environment, each split by reason. */
  readonly denied: ReadonlyArray<{ readonly environment: string; readonly byReason: readonly Series[] }>;
  readonly topDenied: readonly DeniedAgent[];
}

/** Buckets a picture may have: more would draw bars thinner than a pixel and read a long answer. */
export const MAX_BUCKETS = 400;
const BUCKET_MS: Record<CountBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The finest bucket that cuts [from, to) into at most `MAX_BUCKETS`. */
export function bucketFor(from: Date, to: Date): CountBucket {
  const span = to.getTime() - from.getTime();
  return (["minute", "hour"] as const).find((b) => span / BUCKET_MS[b] <= MAX_BUCKETS) ?? "day";
}

/**
 * The console's pictures — issuances, denials by reason and redemptions over time per environment,
 * and the most denied agents — counted by the ledger store (two aggregate reads, whatever the
 * ledger's size), laid out as series over every bucket of the range (empty buckets count 0).
 */
export async function ledgerPictures(ledger: Pick<LedgerReader, "counts" | "topDenied">, query: PicturesQuery): Promise<Pictures> {
  const filter: EventFilter = { from: query.from, to: query.to, ...(query.environment === undefined ? {} : { environment: query.environment }) };
  const [counts, topDenied] = await Promise.all([ledger.counts(filter, query.bucket), ledger.topDenied(filter, query.top ?? 10)]);
  const buckets = bucketsOf(query);
  const index = new Map(buckets.map((b, i) => [b.getTime(), i]));
  const of = (type: AuditEventType) => counts.filter((c) => c.type === type);
  const series = (rows: EventCount[], keyOf: (c: EventCount) => string) => seriesOf(rows, keyOf, index, buckets.length);
  const environmentOf = (c: EventCount) => c.environment ?? NO_ENVIRONMENT;
  const denials = of("denied");
  return {
    query,
    buckets,
    issued: series(of("issued"), environmentOf),
    redeemed: series(of("redeemed"), environmentOf),
    denied: [...new Set(denials.map(environmentOf))].sort().map((environment) => ({
      environment,
      byReason: series(
        denials.filter((c) => environmentOf(c) === environment),
        (c) => c.reason ?? NO_REASON,
      ),
    })),
    topDenied,
  };
}

function bucketsOf({ from, to, bucket }: PicturesQuery): Date[] {
  const buckets: Date[] = [];
  for (let at = bucketStart(from, bucket).getTime(); at < to.getTime() && buckets.length <= MAX_BUCKETS; at = next(at, bucket)) buckets.push(new Date(at));
  return buckets;
}

/** UTC buckets: every day is 24 h, so the step is exact. */
const next = (at: number, bucket: CountBucket) => at + BUCKET_MS[bucket];

function seriesOf(rows: EventCount[], keyOf: (c: EventCount) => string, index: Map<number, number>, size: number): Series[] {
  const byKey = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get(row.bucket.getTime());
    if (i === undefined) continue;
    const counts = byKey.get(keyOf(row)) ?? new Array<number>(size).fill(0);
    counts[i] += row.count;
    byKey.set(keyOf(row), counts);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, counts]) => ({ key, counts, total: counts.reduce((sum, n) => sum + n, 0) }));
}
