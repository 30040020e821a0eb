import type { AuditEvent } from "../../domain/audit/audit-event";
import type { AuditLog } from "../../domain/audit/audit-log";
import { eventLeafHash } from "../../domain/audit/canonical-event";
import { StoreUnavailableError } from "../../domain/errors";
import { auditInsertSql } from "./audit-insert-sql";
import type { Pool, PoolClient } from "pg";

interface Waiting {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: Error) => void;
}

const MAX_BATCH = 500;
/** Serialises appends across every replica sharing the database (pg_advisory_xact_lock key). */
export const LEDGER_APPEND_LOCK = 726374;

/**
 * The ledger in PostgreSQL over `pg` directly, with group commit: appends that
 * arrive while a commit is in flight wait and go together in the next
 * multi-row INSERT (one statement, one durable commit). Each caller's promise
 * resolves only after the commit that holds its event, so "durable before the
 * answer" holds while the ledger keeps up with many concurrent requests.
 */
export class PgAuditLog implements AuditLog {
  private queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    /** Bounded (prisma-client.ts createDatabase): waiting for a connection or the lock is a 503, never a hang. */
    private readonly pool: Pool,
    private readonly maxInFlight = 2,
    /** Told the ledger's new size after each commit (the checkpointer listens). */
    private readonly onCommitted: (size: bigint) => void = () => undefined,
  ) {}

  append(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.inFlight < this.maxInFlight) void this.flush();
    });
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query("SELECT 1");
    } catch (error) {
      throw new StoreUnavailableError("PostgreSQL", error);
    }
  }

  private async flush(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.insert(batch);
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          const reachable =
            batch.length > 1 &&
            (await this.ping().then(
              () => true,
              () => false,
            ));
          if (reachable) await this.oneByOne(batch);
          else for (const waiting of batch) waiting.reject(new StoreUnavailableError("PostgreSQL", error));
        }
      }
    } finally {
      this.inFlight--;
    }
  }

  /**
   * A failed batch whose database still answers is retried event by event, so
   * that one event the database refuses fails only its own request, not the
   * others that shared its commit. (An unreachable database fails them all at once.)
   */
  private async oneByOne(batch: Waiting[]): Promise<void> {
    for (const waiting of batch) {
      await this.insert([waiting]).then(waiting.resolve, (error) => waiting.reject(new StoreUnavailableError("PostgreSQL", error)));
    }
  }

  /**
   * One transaction per batch: take the ledger lock, read the last seq, give
   * the batch the next seqs and their leaf hashes, insert, commit. The lock is
   * held until the commit is visible, so the next batch (from any worker or
   * replica) reads a seq that is really the last: seqs stay gapless and every
   * leaf hash names the seq it is stored under. A rolled-back batch uses no seq.
   *
   * Three round trips: BEGIN, the lock and the read of the last seq go as one
   * simple query (each statement takes its own snapshot, so the read sees every
   * commit made before the lock was granted); the INSERT is a prepared
   * statement named by its row count (parsed once per connection and size);
   * then COMMIT.
   */
  private async insert(batch: Waiting[]): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    let size: bigint;
    try {
      const results = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${LEDGER_APPEND_LOCK}); SELECT coalesce(max("seq"), 0)::text AS last FROM "audit_events"`,
      )) as unknown as { rows: { last: string }[] }[];
      const last = BigInt(results[2].rows[0].last);
      const rows = batch.map((w, i) => {
        const seq = last + BigInt(i + 1);
        return { seq, leafHash: new Uint8Array(eventLeafHash(seq, w.event)), event: w.event };
      });
      const { sql, params } = auditInsertSql(rows);
      await client.query({ name: `ledger-append-${batch.length}`, text: sql, values: params });
      await client.query("COMMIT");
      size = last + BigInt(batch.length);
    } catch (error) {
      broken = await rollback(client).then(
        () => undefined,
        (rollbackError: Error) => rollbackError,
      );
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: it is destroyed, not reused.
      client.release(broken);
    }
    this.onCommitted(size);
  }
}

function rollback(client: PoolClient): Promise<unknown> {
  return client.query("ROLLBACK");
}
