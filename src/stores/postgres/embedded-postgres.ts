import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  /** A postgres:// URL on 127.0.0.1, for the same `pg` code path as production. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Dev mode's ledger: PostgreSQL compiled to WASM (PGlite), kept in `dataDir`,
 * served on a loopback port so that migrations, Prisma and the audit log run
 * exactly the code they run against a real server. One connection at a time
 * (PGlite is single-session), which is plenty for one developer.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
