import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalEventBytes, eventLeafHash } from "../../../../src/domain/audit/canonical-event";
import { signCheckpoint, verifyCheckpointNote } from "../../../../src/domain/audit/checkpoint-note";
import { leafHash, rootOf } from "../../../../src/domain/audit/merkle";
import { loadLedgerKey, writeNewLedgerKey } from "../../../../src/stores/keys/ledger-key-file";

describe("canonical event bytes (RFC 8785)", () => {
  test("sort keys, drop absent fields, and put seq and time inside the hashed bytes", () => {
    const bytes = canonicalEventBytes(7n, {
      type: "denied",
      decision: "deny",
      occurredAt: new Date("2026-11-21T10:00:00.123Z"),
      agent: "a",
      detail: { z: 1, a: "ü" },
    });
    expect(bytes.toString("utf8")).toBe(
      '{"agent":"a","decision":"deny","detail":{"a":"ü","z":1},"seq":7,"time":"2026-11-21T10:00:00.123Z","type":"denied","v":1}',
    );
  });

  test("a different seq or time is a different leaf", () => {
    const event = { type: "issued" as const, decision: "allow" as const, occurredAt: new Date(0), jti: "j" };
    expect(eventLeafHash(1n, event).equals(eventLeafHash(2n, event))).toBe(false);
    expect(eventLeafHash(1n, event).equals(eventLeafHash(1n, { ...event, occurredAt: new Date(1) }))).toBe(false);
    expect(eventLeafHash(1n, event).equals(leafHash(canonicalEventBytes(1n, event)))).toBe(true);
  });
});

describe("signed checkpoint notes (C2SP)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ledger-key-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("have the checkpoint body, a blank line and an em-dash signature line, and verify with the verifier key", async () => {
    const verifierKey = await writeNewLedgerKey(join(dir, "a.json"), "locksmith.test/audit");
    const signer = await loadLedgerKey(join(dir, "a.json"));
    expect(signer.verifierKey).toBe(verifierKey);
    expect(verifierKey).toMatch(/^locksmith\.test\/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const root = rootOf([leafHash(Buffer.from("x"))]);
    const note = signCheckpoint({ origin: signer.name, size: 1, root }, signer);
    expect(note).toMatch(
      new RegExp(`^locksmith\\.test/audit\\n1\\n${root.toString("base64").replace(/[+/]/g, "\\$&")}\\n\\n\u2014 locksmith\\.test/audit [A-Za-z0-9+/=]{92}\\n$`),
    );
    expect(verifyCheckpointNote(note, verifierKey)).toEqual({ ok: true, checkpoint: { origin: "locksmith.test/audit", size: 1, root } });
  });

  test("refuse a note whose body was changed, or that another key signed", async () => {
    const signer = await loadLedgerKey(join(dir, "a.json"));
    const otherKey = await writeNewLedgerKey(join(dir, "b.json"), "locksmith.test/audit");
    const note = signCheckpoint({ origin: signer.name, size: 5, root: rootOf([leafHash(Buffer.from("y"))]) }, signer);
    expect(verifyCheckpointNote(note.replace("\n5\n", "\n6\n"), signer.verifierKey)).toMatchObject({ ok: false });
    expect(verifyCheckpointNote(note, otherKey)).toMatchObject({ ok: false, problem: expect.stringContaining("no valid signature") });
    expect(verifyCheckpointNote("garbage", signer.verifierKey)).toMatchObject({ ok: false });
  });
});
