import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
import { PrismaClient } from "../../generated/prisma/client";

export type { PrismaClient };

/** One PostgreSQL connection pool, used by Prisma (reads, secrets, roles) and by the ledger's append path (plain `pg`). */
export interface Database {
  readonly prisma: PrismaClient;
  readonly pool: Pool;
  /** Disconnects Prisma and ends the pool. */
  close(): Promise<void>;
}

/**
 * A pool bounded in time, so a stalled database is a 503, never a hang:
 * 2 s to get a connection, 5 s per statement (the ledger's advisory lock wait included).
 */
export function createDatabase(connectionString: string, poolSize = 10): Database {
  const pool = new Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
    statement_timeout: 5000,
  });
  // An idle connection the server drops (restart, failover) must not crash the process: the next query reconnects.
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close: () => {
      closing ??= prisma
        .$disconnect()
        .catch(() => undefined)
        .then(() => pool.end())
        .catch(() => undefined);
      return closing;
    },
  };
}

/** A Prisma client on the `pg` driver adapter (no native query engine), for callers that need no ledger appends. */
export function createPrismaClient(connectionString: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
    statement_timeout: 5000,
  });
  return new PrismaClient({ adapter });
}
