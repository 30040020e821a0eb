import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import type { AuditEvent } from "../../src/domain/audit/audit-event";
import { signCheckpoint } from "../../src/domain/audit/checkpoint-note";
import { rootOf } from "../../src/domain/audit/merkle";
import { verifyLedger, type VerifyReport } from "../../src/domain/audit/verify-ledger";
import { loadLedgerKey, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { createLedger } from "../../src/stores/postgres/ledger-stores";
import { createDatabase } from "../../src/stores/postgres/prisma-client";
import { createLogger } from "../../src/telemetry/logger";
import { createTestDatabase, type TestDatabase } from "../support/services";

const CLI = resolve(__dirname, "..", "..", "dist", "cli", "main.js");
const EVENTS = 40;

interface Ledger {
  database: TestDatabase;
  verifierKey: string;
  exportDir: string;
  verify(withExported?: boolean): Promise<VerifyReport>;
  /** Runs SQL as the database owner with the append-only triggers switched off: what an attacker with the owner's password can do. */
  tamper(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** A ledger of 40 events with signed checkpoints at 10, 20, 30 and 40, each also exported. */
async function ledgerOf40(): Promise<Ledger> {
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), "ledger-tamper-"));
  const exportDir = join(dir, "checkpoints");
  const verifierKey = await writeNewLedgerKey(join(dir, "ledger-key.json"), "locksmith.test/audit");
  const signer = await loadLedgerKey(join(dir, "ledger-key.json"));
  const db = createDatabase(database.url);
  const { audit, reader, checkpointer } = createLedger(db, signer, { everyEvents: 1_000_000, everyMs: 3_600_000, exportDir }, createLogger("silent"));
  for (let batch = 0; batch < EVENTS / 10; batch++) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => audit.append(event(batch * 10 + i))));
    await checkpointer.checkpoint();
  }
  const { readdir, readFile } = await import("node:fs/promises");
  return {
    database,
    verifierKey,
    exportDir,
    async verify(withExported = false) {
      const names = withExported ? (await readdir(exportDir)).sort() : [];
      const exportedNotes = await Promise.all(names.map(async (name) => ({ name, note: await readFile(join(exportDir, name), "utf8") })));
      return verifyLedger(reader, { verifierKey, exportedNotes, pageSize: 7 });
    },
    async tamper(sql) {
      const owner = new Client({ connectionString: database.url });
      await owner.connect();
      try {
        await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
          ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete;
          ${sql};
          ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete;
          ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update_delete;`);
      } finally {
        await owner.end();
      }
    },
    async close() {
      await checkpointer.stop();
      await db.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function event(i: number): AuditEvent {
  return {
    type: "issued",
    decision: "allow",
    occurredAt: new Date(Date.UTC(2026, 10, 21, 10, 0, i)),
    agent: "support-agent",
    environment: "production",
    scope: "crm:read",
    resource: `crm:customers/${i}`,
    jti: `jti-${i}`,
    policyVersion: "sha256:abc",
    detail: { ttl: 300 },
  };
}

describe("audit verify detects tampering and names the first bad seq", () => {
  let ledger: Ledger;
  afterEach(() => ledger.close());

  test("an untouched ledger verifies: gapless seqs 1..40, every checkpoint signed and matching", async () => {
    ledger = await ledgerOf40();
    expect(await ledger.verify(true)).toEqual({ ok: true, size: 40, checkpoints: 4, exported: 4, problems: [] });
  });

  test("a byte changed in a leaf (seq 17) is `changed` at 17, and the CLI exits 1 saying so", async () => {
    ledger = await ledgerOf40();
    await ledger.tamper("UPDATE audit_events SET resource = 'crm:customers/71' WHERE seq = 17");
    const report = await ledger.verify();
    expect(report.problems[0]).toMatchObject({ seq: 17, kind: "changed" });
    const cli = await promisify(execFile)(process.execPath, [CLI, "audit", "verify", "--verifier-key", ledger.verifierKey], {
      env: { ...process.env, DATABASE_URL: ledger.database.url },
    }).catch((error) => error);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain("first bad seq 17 (changed)");
  });

  test("a row changed together with its stored leaf hash still fails the signed checkpoint covering it", async () => {
    ledger = await ledgerOf40();
    await ledger.tamper("UPDATE audit_events SET leaf_hash = NULL, resource = 'crm:customers/71' WHERE seq = 17");
    expect((await ledger.verify()).problems[0]).toMatchObject({ seq: 20, kind: "checkpoint_mismatch" });
  });

  test("a row deleted in the middle (seq 23) is `missing` at 23", async () => {
    ledger = await ledgerOf40();
    await ledger.tamper("DELETE FROM audit_events WHERE seq = 23");
    expect((await ledger.verify()).problems[0]).toMatchObject({ seq: 23, kind: "missing" });
  });

  test("the last rows deleted with their checkpoints pass the database alone, but are `missing` at 36 against the exported checkpoints", async () => {
    ledger = await ledgerOf40();
    await ledger.tamper("DELETE FROM audit_events WHERE seq > 35; DELETE FROM audit_checkpoints WHERE size > 35");
    expect(await ledger.verify(false)).toMatchObject({ ok: true, size: 35 });
    const report = await ledger.verify(true);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 36, kind: "missing" });
  });

  test("two rows swapped (seq 5 and 6) are `reordered` at 5", async () => {
    ledger = await ledgerOf40();
    await ledger.tamper(
      "UPDATE audit_events SET seq = -5 WHERE seq = 5; UPDATE audit_events SET seq = 5 WHERE seq = 6; UPDATE audit_events SET seq = 6 WHERE seq = -5",
    );
    expect((await ledger.verify()).problems[0]).toMatchObject({ seq: 5, kind: "reordered" });
  });

  test("a forged checkpoint (signed by another key) is `forged_checkpoint` at its size", async () => {
    ledger = await ledgerOf40();
    const dir = await mkdtemp(join(tmpdir(), "forger-"));
    await writeNewLedgerKey(join(dir, "k.json"), "locksmith.test/audit");
    const forger = await loadLedgerKey(join(dir, "k.json"));
    const root = rootOf([]);
    const note = signCheckpoint({ origin: forger.name, size: 45, root }, forger);
    await ledger.tamper(`INSERT INTO audit_checkpoints (size, root, note, frontier) VALUES (45, '\\x${root.toString("hex")}', '${note}', '\\x')`);
    await rm(dir, { recursive: true, force: true });
    const report = await ledger.verify();
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ seq: 45, kind: "forged_checkpoint" });
  });
});
