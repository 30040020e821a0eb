import type { AuditEventType } from "../../domain/audit/audit-event";
import type { CountBucket, DeniedAgent, EventCount } from "../../domain/audit/ledger-aggregates";
import { Prisma } from "../../generated/prisma/client";

/**
 * The ledger's aggregate reads in SQL: counted by PostgreSQL (GROUP BY over the
 * occurred_at index's range), so a picture of a million events reads a few
 * hundred rows. Buckets are cut in UTC whatever the session's time zone;
 * text sorts by `COLLATE "C"`, the order the memory twin gives.
 */
export function countsSql(where: readonly Prisma.Sql[], bucket: CountBucket): Prisma.Sql {
  return Prisma.sql`SELECT date_trunc(${bucket}::text, "occurred_at", 'UTC') AS "bucket", "type", "environment", "reason", count(*)::bigint AS "count"
    FROM "audit_events" WHERE ${conditions(where)}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, "type" COLLATE "C", "environment" COLLATE "C" NULLS FIRST, "reason" COLLATE "C" NULLS FIRST`;
}

export function topDeniedSql(where: readonly Prisma.Sql[], n: number): Prisma.Sql {
  const denied = [...where, Prisma.sql`"type" = 'denied'`, Prisma.sql`"agent" IS NOT NULL`];
  return Prisma.sql`SELECT "agent", count(*)::bigint AS "count" FROM "audit_events" WHERE ${conditions(denied)}
    GROUP BY "agent" ORDER BY "count" DESC, "agent" COLLATE "C" LIMIT ${Math.max(0, n)}`;
}

export function latestSql(where: readonly Prisma.Sql[], limit: number): Prisma.Sql {
  return Prisma.sql`SELECT * FROM "audit_events" WHERE ${conditions(where)} ORDER BY "seq" DESC LIMIT ${Math.max(0, limit)}`;
}

export interface CountRow {
  bucket: Date;
  type: string;
  environment: string | null;
  reason: string | null;
  count: bigint;
}

export const countOf = (row: CountRow): EventCount => ({
  bucket: new Date(row.bucket),
  type: row.type as AuditEventType,
  ...(row.environment === null ? {} : { environment: row.environment }),
  ...(row.reason === null ? {} : { reason: row.reason }),
  count: Number(row.count),
});

export const deniedAgentOf = (row: { agent: string; count: bigint }): DeniedAgent => ({ agent: row.agent, count: Number(row.count) });

const conditions = (where: readonly Prisma.Sql[]) => (where.length ? Prisma.join(where, " AND ") : Prisma.sql`TRUE`);
