import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../../src/stores/postgres/migrate";
import { PostgresLedgerReader } from "../../src/stores/postgres/postgres-ledger-reader";
import { PgAuditLog } from "../../src/stores/postgres/pg-audit-log";
import { createDatabase } from "../../src/stores/postgres/prisma-client";
import { startEmbeddedPostgresProcess } from "../support/embedded-postgres-process";
import { MIGRATIONS_DIR } from "../support/services";
import { describeAuditLogContract } from "./audit-log.contract";

// Starting PGlite (WASM) and applying every migration takes tens of seconds on a busy machine.
jest.setTimeout(90_000);

// Dev mode's ledger, wired as app.ts wires it (one connection, one flush in flight);
// PGlite itself runs in a child process, see startEmbeddedPostgresProcess for why.
// PGlite's WASM start takes most of a CPU for seconds: on a loaded CI machine (the crash suite runs
// beside it) it can pass 30 s, so this file allows 90 s for it.
jest.setTimeout(90_000);

describeAuditLogContract("PgAuditLog on embedded PGlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "locksmith-pglite-"));
  const postgres = await startEmbeddedPostgresProcess(join(dataDir, "pgdata"), 90_000); // PGlite start-up is slow on a busy machine
  await migrate(postgres.url, MIGRATIONS_DIR);
  const db = createDatabase(postgres.url, 1);
  return {
    log: new PgAuditLog(db.pool, 1),
    reader: new PostgresLedgerReader(db.prisma),
    async close() {
      await db.close();
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
