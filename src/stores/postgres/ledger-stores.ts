import type { CheckpointSigner } from "../../domain/audit/checkpoint-note";
import type { Logger } from "../../telemetry/logger";
import { LedgerCheckpointer, type CheckpointerOptions } from "./ledger-checkpointer";
import { PostgresLedgerReader } from "./postgres-ledger-reader";
import { PrismaAuditLog } from "./prisma-audit-log";
import type { PrismaClient } from "./prisma-client";

/** The ledger's three parts on one Prisma client: the group-committing writer, the reader, the checkpointer. */
export function createLedger(prisma: PrismaClient, signer: CheckpointSigner, options: CheckpointerOptions, logger: Logger, maxInFlight?: number) {
  const reader = new PostgresLedgerReader(prisma);
  const checkpointer = new LedgerCheckpointer(prisma, reader, signer, options, logger);
  const audit = new PrismaAuditLog(prisma, maxInFlight, (size) => checkpointer.notify(size));
  checkpointer.start();
  return { audit, reader, checkpointer };
}
