import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import type { AuditEvent } from "../../src/domain/audit/audit-event";
import { proveConsistency, proveInclusion } from "../../src/domain/audit/ledger-proofs";
import type { LedgerReader } from "../../src/domain/audit/ledger-reader";
import { verifyConsistency, verifyInclusion } from "../../src/domain/audit/merkle";
import type { LeafRange, PerfectSubtree } from "../../src/domain/audit/merkle-subtrees";
import { loadLedgerKey, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { createLedger } from "../../src/stores/postgres/ledger-stores";
import { createDatabase, type Database } from "../../src/stores/postgres/prisma-client";
import { createLogger } from "../../src/telemetry/logger";
import { createTestDatabase, type TestDatabase } from "../support/services";

function event(i: number): AuditEvent {
  return {
    type: "issued",
    decision: "allow",
    occurredAt: new Date(Date.UTC(2026, 10, 21, 10, 0, 0, i)),
    agent: "support-agent",
    environment: "production",
    scope: "crm:read",
    resource: `crm:customers/${i}`,
    jti: `jti-${i}`,
    policyVersion: "sha256:abc",
    detail: { ttl: 300 },
  };
}

/** The reader, counting what proofs read from it. */
function counting(reader: LedgerReader) {
  const reads = { subtrees: 0, leaves: 0 };
  const counted: LedgerReader = Object.create(reader);
  counted.storedRoots = (subtrees: readonly PerfectSubtree[]) => {
    reads.subtrees += subtrees.length;
    return reader.storedRoots(subtrees);
  };
  counted.leaves = (ranges: readonly LeafRange[]) => {
    reads.leaves += ranges.reduce((n, r) => n + r.end - r.start, 0);
    return reader.leaves(ranges);
  };
  return { counted, reads };
}

describe("stored subtree roots: proofs in O(log n) reads", () => {
  let database: TestDatabase;
  let db: Database;
  let dir: string;
  let ledger: ReturnType<typeof createLedger>;
  const subtreeRows = async () => (await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*)::bigint AS n FROM audit_subtrees`))[0].n;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "ledger-subtrees-"));
    await writeNewLedgerKey(join(dir, "ledger-key.json"), "locksmith.test/audit");
    db = createDatabase(database.url);
    ledger = createLedger(db, await loadLedgerKey(join(dir, "ledger-key.json")), { everyEvents: 1_000_000, everyMs: 3_600_000 }, createLogger("silent"));
    for (let i = 0; i < 1000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => ledger.audit.append(event(i + j))));
  });
  afterAll(async () => {
    await ledger.checkpointer.stop();
    await db.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("signing a checkpoint stores the root of every complete subtree at every 4th level", async () => {
    await ledger.checkpointer.checkpoint();
    // 1000 leaves: 62 complete subtrees of 16 leaves, 3 of 256.
    expect(await subtreeRows()).toBe(62n + 3n);
  });

  test("inclusion proofs verify against the signed root and read O(log n) hashes, not the ledger", async () => {
    const checkpoint = (await ledger.reader.checkpoint())!;
    for (const seq of [1, 17, 500, 999, 1000]) {
      const { counted, reads } = counting(ledger.reader);
      const proof = await proveInclusion(counted, seq);
      expect(verifyInclusion(proof.leafHash, seq - 1, checkpoint.size, proof.auditPath, checkpoint.root)).toBe(true);
      expect(reads.subtrees + reads.leaves).toBeLessThan(100);
    }
  });

  test("consistency proofs verify, also to a size past the last checkpoint", async () => {
    const first = (await ledger.reader.checkpoint())!;
    await Promise.all(Array.from({ length: 37 }, (_, j) => ledger.audit.append(event(1000 + j))));
    const proof = await proveConsistency(ledger.reader, first.size, 1037);
    expect(proof.fromRoot).toEqual(first.root);
    expect(verifyConsistency(first.size, 1037, proof.fromRoot, proof.toRoot, proof.proof)).toBe(true);
    const second = (await ledger.checkpointer.checkpoint())!;
    expect(second.root).toEqual(proof.toRoot);
  });

  test("a ledger signed before subtree roots existed gets them built on the next checkpoint", async () => {
    const owner = new Client({ connectionString: database.url });
    await owner.connect();
    await owner.query(`ALTER TABLE audit_subtrees DISABLE TRIGGER audit_subtrees_no_update_delete; DELETE FROM audit_subtrees;
      ALTER TABLE audit_subtrees ENABLE ALWAYS TRIGGER audit_subtrees_no_update_delete;`);
    await owner.end();
    expect(await subtreeRows()).toBe(0n);
    await ledger.audit.append(event(2000));
    const checkpoint = (await ledger.checkpointer.checkpoint())!;
    expect(checkpoint.size).toBe(1038);
    expect(await subtreeRows()).toBe(64n + 4n);
    const proof = await proveInclusion(ledger.reader, 3);
    expect(verifyInclusion(proof.leafHash, 2, 1038, proof.auditPath, checkpoint.root)).toBe(true);
  });

  test("a tampered subtree root yields a proof that fails verification (the signed root decides)", async () => {
    const owner = new Client({ connectionString: database.url });
    await owner.connect();
    await owner.query(`ALTER TABLE audit_subtrees DISABLE TRIGGER audit_subtrees_no_update_delete;
      UPDATE audit_subtrees SET root = sha256('forged') WHERE level = 4 AND index = 10;
      ALTER TABLE audit_subtrees ENABLE ALWAYS TRIGGER audit_subtrees_no_update_delete;`);
    await owner.end();
    const checkpoint = (await ledger.reader.checkpoint())!;
    const proof = await proveInclusion(ledger.reader, 3);
    expect(verifyInclusion(proof.leafHash, 2, checkpoint.size, proof.auditPath, checkpoint.root)).toBe(false);
  });
});
