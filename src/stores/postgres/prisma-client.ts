import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../generated/prisma/client";

export type { PrismaClient };

/**
 * A Prisma client on the `pg` driver adapter (no native query engine). Every
 * query is bounded in time so a stalled database is a 503, never a hang.
 */
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
