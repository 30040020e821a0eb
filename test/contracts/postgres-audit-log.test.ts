import { createServer, type Server, type Socket } from "node:net";
import type { AuditEvent } from "../../src/domain/audit/audit-event";
import { StoreUnavailableError } from "../../src/domain/errors";
import { PostgresLedgerReader } from "../../src/stores/postgres/postgres-ledger-reader";
import { PgAuditLog } from "../../src/stores/postgres/pg-audit-log";
import { createDatabase, type Database } from "../../src/stores/postgres/prisma-client";
import { findEvents } from "../support/find-events";
import { createTestDatabase } from "../support/services";
import { describeAuditLogContract } from "./audit-log.contract";

describeAuditLogContract("PgAuditLog on PostgreSQL", async () => {
  const database = await createTestDatabase();
  const db = createDatabase(database.url);
  return {
    log: new PgAuditLog(db.pool),
    reader: new PostgresLedgerReader(db.prisma),
    async close() {
      await db.close();
      await database.drop();
    },
  };
});

describe("PgAuditLog when PostgreSQL cannot be reached", () => {
  // Port 1 on loopback: nothing listens, so every connection is refused at once.
  let db: Database;
  let log: PgAuditLog;
  beforeAll(() => {
    db = createDatabase("postgres://postgres@127.0.0.1:1/postgres");
    log = new PgAuditLog(db.pool);
  });
  afterAll(() => db.close());

  const event: AuditEvent = { type: "issued", decision: "allow", occurredAt: new Date(), agent: "support-agent" };

  test("append rejects with StoreUnavailableError, so nothing is handed out", async () => {
    await expect(log.append(event)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  test("every concurrent append rejects, none hangs", async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => log.append(event)));
    for (const result of results) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
  });

  test("ping rejects with StoreUnavailableError", async () => {
    await expect(log.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  test("reading the ledger rejects with StoreUnavailableError", async () => {
    await expect(new PostgresLedgerReader(db.prisma).page({ agent: "support-agent" }, 0n, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  test("the error tells the caller nothing internal", async () => {
    const error = await log.append(event).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "temporarily_unavailable" });
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres:\/\//);
  });
});

describe("PgAuditLog when PostgreSQL accepts connections but never answers", () => {
  // A stalled database must be a bounded failure (a 503), never a request that hangs.
  const sockets: Socket[] = [];
  let stalled: Server;
  let db: Database;
  beforeAll(async () => {
    stalled = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const { port } = stalled.address() as { port: number };
    db = createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`);
  });
  afterAll(async () => {
    await db.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
  });

  test("append and ping reject with StoreUnavailableError", async () => {
    const log = new PgAuditLog(db.pool);
    await expect(log.append({ type: "issued", decision: "allow", occurredAt: new Date() })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(log.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe("PgAuditLog when the database refuses one event of a shared commit", () => {
  test("only that event's append fails; the others sharing its batch are committed", async () => {
    const database = await createTestDatabase();
    const db = createDatabase(database.url);
    const log = new PgAuditLog(db.pool);
    try {
      // PostgreSQL refuses a NUL character in text: the batch insert holding it fails.
      const events: AuditEvent[] = Array.from({ length: 12 }, (_, i) => ({
        type: "denied",
        decision: "deny",
        occurredAt: new Date(),
        agent: "support-agent",
        requestId: `batch-${i}`,
        reason: i === 6 ? "bad\u0000reason" : "no_grant",
      }));
      const results = await Promise.allSettled(events.map((event) => log.append(event)));
      expect(results.map((r) => r.status)).toEqual(events.map((_, i) => (i === 6 ? "rejected" : "fulfilled")));
      const stored = await findEvents(new PostgresLedgerReader(db.prisma), { agent: "support-agent", limit: 100 });
      expect(stored.map((e) => e.requestId).sort()).toEqual(
        events
          .filter((_, i) => i !== 6)
          .map((e) => e.requestId)
          .sort(),
      );
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
