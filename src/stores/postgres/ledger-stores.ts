import type { CheckpointSigner } from "../../domain/audit/checkpoint-note";
import type { Logger } from "../../telemetry/logger";
import { LedgerCheckpointer, type CheckpointerOptions } from "./ledger-checkpointer";
import { PostgresLedgerReader } from "./postgres-ledger-reader";
import { PgAuditLog } from "./pg-audit-log";
import type { Database } from "./prisma-client";

/**
 * The ledger's three parts on one database: the group-committing writer (plain
 * `pg`, the hot path), the reader and the checkpointer (Prisma, off the hot path).
 */
export function createLedger(database: Database, signer: CheckpointSigner, options: CheckpointerOptions, logger: Logger, maxInFlight?: number) {
  const { prisma, pool } = database;
  const reader = new PostgresLedgerReader(prisma);
  const checkpointer = new LedgerCheckpointer(prisma, reader, signer, options, logger);
  const audit = new PgAuditLog(pool, maxInFlight, (size) => checkpointer.notify(size));
  checkpointer.start();
  return { audit, reader, checkpointer };
}
