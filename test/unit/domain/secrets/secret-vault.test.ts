import { randomBytes } from "node:crypto";
import { fixedPolicy } from "../../../../src/domain/policy/policy-source";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { openSecret, SecretUnsealError } from "../../../../src/domain/secrets/seal-secret";
import { SecretVault } from "../../../../src/domain/secrets/secret-vault";
import { environmentKekProtector, plainProtector } from "../../../../src/stores/keys/key-protector";
import { findEvents } from "../../../support/find-events";
import { MemoryAuditLog } from "../../../../src/stores/memory/memory-audit-log";
import { MemorySecretStore } from "../../../../src/stores/memory/memory-secret-store";

const POLICY = parsePolicy(
  `environments: [production]
upstreams:
  crm-api:
    kind: api_key
    environment: production
    base_url: https://crm.example.com
    key: { in: header, name: X-Api-Key }
    scopes: { "crm:read": ["GET /customers/*"] }
  billing-api:
    kind: api_key
    environment: production
    base_url: https://billing.example.com
    key: { in: query, name: key }
    scopes: { "billing:read": ["GET /invoices/*"] }
`,
  "vault.yaml",
);

const KEY = "sk_live_0123456789abcdef";
const call = { requestId: "test-request" };
const who = { actor: "security-oncall" };

function vaultWith(kek = randomBytes(32).toString("base64")) {
  const store = new MemorySecretStore();
  const audit = new MemoryAuditLog();
  const wrapper = environmentKekProtector(kek, "kek-1");
  const vault = new SecretVault({ store, wrapper, policy: fixedPolicy(POLICY), audit, clock: { now: () => Date.now() } });
  return { vault, store, audit, wrapper, kek };
}

test("a put secret rests sealed (no plaintext, a wrapped data key) and reveals to its value", async () => {
  const { vault, store } = vaultWith();
  const metadata = await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);

  expect(metadata).toMatchObject({ upstream: "crm-api", owner: "platform", version: 1, kekId: "kek-1", updatedBy: "security-oncall" });
  const sealed = (await store.get("crm-api", "platform"))!;
  expect(JSON.stringify(sealed)).not.toContain(KEY);
  expect(sealed.ciphertext.includes(Buffer.from(KEY))).toBe(false);
  expect(sealed.wrappedKey).toMatchObject({ alg: "A256GCM", kek_id: "kek-1" });
  expect((await vault.reveal("crm-api"))?.toString()).toBe(KEY);
});

test("each secret and each rotation gets a data key of its own", async () => {
  const { vault, store } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);
  await vault.put({ upstream: "billing-api", ...who }, Buffer.from(KEY), call);
  const before = (await store.get("crm-api", "platform"))!;
  await vault.rotate({ upstream: "crm-api", ...who }, Buffer.from("sk_live_rotated"), call);
  const after = (await store.get("crm-api", "platform"))!;

  expect(after.wrappedKey.ciphertext).not.toBe(before.wrappedKey.ciphertext);
  expect((await store.get("billing-api", "platform"))!.wrappedKey.ciphertext).not.toBe(before.wrappedKey.ciphertext);
  expect(after.version).toBe(2);
  expect((await vault.reveal("crm-api"))?.toString()).toBe("sk_live_rotated");
});

test("a sealed value moved to another upstream, owner or id does not open (AEAD associated data)", async () => {
  const { vault, store, wrapper } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);
  const sealed = (await store.get("crm-api", "platform"))!;

  await expect(openSecret(wrapper, { ...sealed, upstream: "billing-api" })).rejects.toThrow(SecretUnsealError);
  await expect(openSecret(wrapper, { ...sealed, owner: "user:mary" })).rejects.toThrow(SecretUnsealError);
  await expect(openSecret(wrapper, { ...sealed, id: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(SecretUnsealError);
  const flipped = Buffer.from(sealed.ciphertext);
  flipped[0] ^= 1;
  await expect(openSecret(wrapper, { ...sealed, ciphertext: flipped })).rejects.toThrow(SecretUnsealError);
});

test("a rotated-away value written back over the current one does not open (the version is bound too: no rollback to a leaked key)", async () => {
  const { vault, store, wrapper } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);
  const leaked = (await store.get("crm-api", "platform"))!;
  await vault.rotate({ upstream: "crm-api", ...who }, Buffer.from("sk_live_rotated"), call);
  const current = (await store.get("crm-api", "platform"))!;

  // Someone with write access to the table restores the old sealed columns (from a backup) into the current row.
  const { wrappedKey, iv, ciphertext, tag } = leaked;
  await expect(openSecret(wrapper, { ...current, wrappedKey, iv, ciphertext, tag })).rejects.toThrow(SecretUnsealError);
});

test("another KEK cannot open it, and the error names no secret", async () => {
  const { vault, store } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);
  const other = environmentKekProtector(randomBytes(32).toString("base64"), "kek-1");
  const error = await openSecret(other, (await store.get("crm-api", "platform"))!).catch((e: Error) => e);
  expect(error).toBeInstanceOf(SecretUnsealError);
  expect((error as Error).message).not.toContain(KEY);
});

test("put, rotate and delete are ledger events naming upstream, owner and version, never the value", async () => {
  const { vault, audit } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);
  await vault.rotate({ upstream: "crm-api", ...who }, Buffer.from(`${KEY}-2`), call);
  await vault.delete({ upstream: "crm-api", ...who }, call);
  await vault.delete({ upstream: "crm-api", ...who }, call);

  const events = await findEvents(audit, {});
  expect(events.map((e) => [e.type, e.actor, e.detail?.version ?? null, e.reason ?? null])).toEqual([
    ["secret_put", "security-oncall", 1, null],
    ["secret_rotated", "security-oncall", 2, null],
    ["secret_deleted", "security-oncall", null, null],
    ["secret_deleted", "security-oncall", null, "unknown"],
  ]);
  expect(JSON.stringify(events, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(KEY);
  expect(await vault.reveal("crm-api")).toBeUndefined();
});

test("a second put is a conflict, a rotate of nothing is not_found, an undeclared upstream is refused; none changes anything", async () => {
  const { vault } = vaultWith();
  await vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call);

  await expect(vault.put({ upstream: "crm-api", ...who }, Buffer.from("other"), call)).rejects.toMatchObject({ code: "conflict" });
  await expect(vault.rotate({ upstream: "billing-api", ...who }, Buffer.from("other"), call)).rejects.toMatchObject({ code: "not_found" });
  await expect(vault.put({ upstream: "crm-apl", ...who }, Buffer.from("other"), call)).rejects.toMatchObject({ code: "invalid_request" });
  await expect(vault.put({ upstream: "billing-api", ...who }, Buffer.alloc(0), call)).rejects.toMatchObject({ code: "invalid_request" });
  expect((await vault.reveal("crm-api"))?.toString()).toBe(KEY);
  expect(await vault.reveal("billing-api")).toBeUndefined();
  expect((await vault.list()).map((s) => s.upstream)).toEqual(["crm-api"]);
});

test("without a key encryption key nothing is stored", async () => {
  const store = new MemorySecretStore();
  const vault = new SecretVault({ store, wrapper: plainProtector, policy: fixedPolicy(POLICY), audit: new MemoryAuditLog(), clock: { now: () => Date.now() } });
  await expect(vault.put({ upstream: "crm-api", ...who }, Buffer.from(KEY), call)).rejects.toMatchObject({ code: "server_error" });
  expect(await store.list()).toEqual([]);
});
