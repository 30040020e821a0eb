import { eventLeafHash } from "../../domain/audit/canonical-event";
import type { CountBucket, DeniedAgent, EventCount } from "../../domain/audit/ledger-aggregates";
import type { EventFilter, LedgerEntry, LedgerReader, StoredCheckpoint } from "../../domain/audit/ledger-reader";
import type { Hash } from "../../domain/audit/merkle";
import { subtreeKey, type LeafRange, type PerfectSubtree } from "../../domain/audit/merkle-subtrees";
import { LocksmithError, StoreUnavailableError } from "../../domain/errors";
import { Prisma } from "../../generated/prisma/client";
import { entryOf, type EventRow } from "./ledger-columns";
import { countOf, countsSql, deniedAgentOf, latestSql, topDeniedSql, type CountRow } from "./postgres-ledger-aggregates";
import type { PrismaClient } from "./prisma-client";

/** The ledger read side in PostgreSQL; every failure is a StoreUnavailableError (503). */
export class PostgresLedgerReader implements LedgerReader {
  constructor(private readonly prisma: PrismaClient) {}

  async page(filter: EventFilter, after: bigint, limit: number): Promise<LedgerEntry[]> {
    const conditions = [Prisma.sql`"seq" > ${after}`, ...whereOf(filter)];
    const rows = await this.query<EventRow>(
      Prisma.sql`SELECT * FROM "audit_events" WHERE ${Prisma.join(conditions, " AND ")} ORDER BY "seq" ASC LIMIT ${limit}`,
    );
    return rows.map(entryOf);
  }

  async counts(filter: EventFilter, bucket: CountBucket): Promise<EventCount[]> {
    return (await this.query<CountRow>(countsSql(whereOf(filter), bucket))).map(countOf);
  }

  async topDenied(filter: EventFilter, n: number): Promise<DeniedAgent[]> {
    return (await this.query<{ agent: string; count: bigint }>(topDeniedSql(whereOf(filter), n))).map(deniedAgentOf);
  }

  async latest(filter: EventFilter, limit: number): Promise<LedgerEntry[]> {
    return (await this.query<EventRow>(latestSql(whereOf(filter), limit))).map(entryOf);
  }

  async get(seq: bigint): Promise<LedgerEntry | undefined> {
    const rows = await this.query<EventRow>(Prisma.sql`SELECT * FROM "audit_events" WHERE "seq" = ${seq}`);
    return rows[0] && entryOf(rows[0]);
  }

  async lastSeq(): Promise<bigint> {
    const [row] = await this.query<{ last: bigint }>(Prisma.sql`SELECT coalesce(max("seq"), 0)::bigint AS last FROM "audit_events"`);
    return BigInt(row.last);
  }

  async leafHashes(first: number, last: number): Promise<Hash[]> {
    const hashes: Hash[] = [];
    for (let from = first; from <= last; from += 50_000) {
      const to = Math.min(last, from + 49_999);
      const rows = await this.query<{ seq: bigint; leaf_hash: Uint8Array | null }>(
        Prisma.sql`SELECT "seq", "leaf_hash" FROM "audit_events" WHERE "seq" BETWEEN ${from} AND ${to} ORDER BY "seq"`,
      );
      for (const row of rows) {
        hashes.push(row.leaf_hash ? Buffer.from(row.leaf_hash) : await this.recompute(row.seq));
      }
    }
    return hashes;
  }

  async storedRoots(subtrees: readonly PerfectSubtree[]): Promise<Map<string, Hash>> {
    const roots = new Map<string, Hash>();
    for (let i = 0; i < subtrees.length; i += 1000) {
      const pairs = subtrees.slice(i, i + 1000).map((s) => Prisma.sql`(${s.level}::smallint, ${s.index}::bigint)`);
      const rows = await this.query<{ level: number; index: bigint; root: Uint8Array }>(
        Prisma.sql`SELECT "level", "index", "root" FROM "audit_subtrees" WHERE ("level", "index") IN (${Prisma.join(pairs)})`,
      );
      for (const row of rows) roots.set(subtreeKey({ level: Number(row.level), index: Number(row.index) }), Buffer.from(row.root));
    }
    return roots;
  }

  async leaves(ranges: readonly LeafRange[]): Promise<Hash[][]> {
    // One query for every range a proof needs (each is at most a few leaves).
    const within = ranges.map(({ start, end }) => Prisma.sql`"seq" BETWEEN ${start + 1} AND ${end}`);
    const rows = await this.query<{ seq: bigint; leaf_hash: Uint8Array | null }>(
      Prisma.sql`SELECT "seq", "leaf_hash" FROM "audit_events" WHERE ${Prisma.join(within, " OR ")}`,
    );
    const bySeq = new Map(rows.map((row) => [Number(row.seq), row]));
    return Promise.all(
      ranges.map(async ({ start, end }) => {
        const hashes: Hash[] = [];
        for (let seq = start + 1; seq <= end; seq++) {
          const row = bySeq.get(seq);
          // A gap means the ledger was tampered with: refuse to prove anything from it.
          if (!row) throw new LocksmithError("server_error", "the ledger has gaps: run `npx locksmith audit verify`");
          hashes.push(row.leaf_hash ? Buffer.from(row.leaf_hash) : await this.recompute(row.seq));
        }
        return hashes;
      }),
    );
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const rows = await this.query<CheckpointRow>(Prisma.sql`SELECT "size", "root", "note", "created_at" FROM "audit_checkpoints" ORDER BY "size"`);
    return rows.map(checkpointOf);
  }

  async checkpoint(size?: number): Promise<StoredCheckpoint | undefined> {
    const rows = await this.query<CheckpointRow>(
      size === undefined
        ? Prisma.sql`SELECT "size", "root", "note", "created_at" FROM "audit_checkpoints" ORDER BY "size" DESC LIMIT 1`
        : Prisma.sql`SELECT "size", "root", "note", "created_at" FROM "audit_checkpoints" WHERE "size" = ${size}`,
    );
    return rows[0] && checkpointOf(rows[0]);
  }

  private async recompute(seq: bigint): Promise<Hash> {
    const entry = await this.get(seq);
    return eventLeafHash(seq, entry!);
  }

  private async query<T>(sql: Prisma.Sql): Promise<T[]> {
    try {
      return await this.prisma.$queryRaw<T[]>(sql);
    } catch (error) {
      throw new StoreUnavailableError("PostgreSQL", error);
    }
  }
}

interface CheckpointRow {
  size: bigint;
  root: Uint8Array;
  note: string;
  created_at: Date;
}

const checkpointOf = (row: CheckpointRow): StoredCheckpoint => ({
  size: Number(row.size),
  root: Buffer.from(row.root),
  note: row.note,
  signedAt: row.created_at,
});

function whereOf(filter: EventFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.from) where.push(Prisma.sql`"occurred_at" >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`"occurred_at" < ${filter.to}`);
  if (filter.agent !== undefined) where.push(Prisma.sql`"agent" = ${filter.agent}`);
  if (filter.user !== undefined) where.push(Prisma.sql`"user_subject" = ${filter.user}`);
  if (filter.environment !== undefined) where.push(Prisma.sql`"environment" = ${filter.environment}`);
  if (filter.scope !== undefined) where.push(Prisma.sql`string_to_array("scope", ' ') @> ARRAY[${filter.scope}]::text[]`);
  if (filter.resource !== undefined) where.push(Prisma.sql`"resource" = ${filter.resource}`);
  if (filter.jti !== undefined) where.push(Prisma.sql`"jti" = ${filter.jti}`);
  if (filter.type !== undefined) where.push(Prisma.sql`"type" = ${filter.type}`);
  if (filter.decision !== undefined) where.push(Prisma.sql`"decision" = ${filter.decision}`);
  return where;
}
