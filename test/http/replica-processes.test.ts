import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { startLocksmithProcess, type LocksmithProcess } from "../support/locksmith-child";
import { assertionFor, EXAMPLE_POLICY, type ExamplePrincipal } from "../support/principals";
import { createTestDatabase, deleteRedisKeys, REDIS_URL, testRedisPrefix, type TestDatabase } from "../support/services";

// Two real Locksmith processes (node dist/main.js) on one Redis and one PostgreSQL, requests
// alternating between them: a client sees one service. Replay protection, use counts, revocation
// and key rotation hold across them; the ledger has every event once.

let database: TestDatabase;
let prefix: string;
let keysDir: string;
let replicas: LocksmithProcess[];
beforeAll(async () => {
  database = await createTestDatabase();
  prefix = testRedisPrefix();
  keysDir = mkdtempSync(join(tmpdir(), "locksmith-replicas-"));
  const keysFile = join(keysDir, "keys.json");
  await writeKeysFile(keysFile, await generateKeys(["staging", "production"]));
  await writeNewLedgerKey(join(keysDir, "ledger-key.json"), ledgerOrigin(TEST_ISSUER));
  const env = {
    REDIS_URL,
    DATABASE_URL: database.url,
    LOCKSMITH_POLICY: EXAMPLE_POLICY,
    LOCKSMITH_KEYS_FILE: keysFile,
    LOCKSMITH_LEDGER_KEY_FILE: join(keysDir, "ledger-key.json"),
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
    LOCKSMITH_REDIS_PREFIX: prefix,
    LOCKSMITH_KEYS_POLL_SECONDS: "0.2",
    LOG_LEVEL: "warn",
  };
  replicas = await Promise.all([startLocksmithProcess(env), startLocksmithProcess(env)]);
}, 60_000);
afterAll(async () => {
  const codes = await Promise.all((replicas ?? []).map((replica) => replica.stop()));
  expect(codes).toEqual([0, 0]);
  await deleteRedisKeys(prefix);
  await database.drop();
  rmSync(keysDir, { recursive: true, force: true });
});

let turn = 0;
/** The next replica in turn: requests alternate like behind a round-robin load balancer. */
const next = () => replicas[turn++ % 2];

async function call(replica: LocksmithProcess, as: ExamplePrincipal, method: string, path: string, body?: object, assertion?: string) {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${assertion ?? (await assertionFor(as, TEST_ISSUER))}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

test("both processes answer the same JWKS and are ready", async () => {
  const [one, two] = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/.well-known/jwks.json`)).json()));
  expect(one).toEqual(two);
  expect(new Set(replicas.map((r) => r.pid)).size).toBe(2);
});

test("an assertion accepted by one process is a replay at the other", async () => {
  const assertion = await assertionFor("support-agent", TEST_ISSUER);
  const body = { scope: "crm:read", resource: "crm:customers/42" };

  expect((await call(replicas[0], "support-agent", "POST", "/v1/credentials", body, assertion)).status).toBe(201);
  expect(await call(replicas[1], "support-agent", "POST", "/v1/credentials", body, assertion)).toMatchObject({
    status: 401,
    body: { error: "invalid_client" },
  });
});

test("use counts are spent once across processes, under concurrent alternating redemptions", async () => {
  const issued = await call(next(), "support-agent", "POST", "/v1/credentials", { scope: "crm:note", resource: "crm:customers/9/notes" });
  expect(issued.body.max_uses).toBe(3);

  const answers = await Promise.all(
    Array.from({ length: 12 }, () => call(next(), "crm-prod", "POST", "/v1/credentials/redeem", { credential: issued.body.credential })),
  );

  expect(answers.every((a) => a.status === 200)).toBe(true);
  expect(
    answers
      .filter((a) => a.body.active === true)
      .map((a) => a.body.uses_remaining)
      .sort(),
  ).toEqual([0, 1, 2]);
});

test("a revocation at one process is seen at once by the other; both record to one ledger", async () => {
  const issued = await call(replicas[0], "support-agent", "POST", "/v1/credentials", { scope: "crm:read", resource: "crm:customers/5" });
  expect((await call(replicas[1], "crm-prod", "POST", "/v1/credentials/redeem", { credential: issued.body.credential })).body).toMatchObject({ active: true });

  expect((await call(replicas[1], "support-agent", "DELETE", `/v1/credentials/${issued.body.jti}`)).status).toBe(204);
  expect((await call(replicas[0], "crm-prod", "POST", "/v1/credentials/redeem", { credential: issued.body.credential })).body).toEqual({ active: false });
  expect((await call(replicas[0], "security-oncall", "DELETE", `/v1/credentials/${issued.body.jti}`)).status).toBe(204);

  const ledger = new Client({ connectionString: database.url });
  await ledger.connect();
  const { rows } = await ledger.query("SELECT type, reason FROM audit_events WHERE jti = $1 ORDER BY seq", [issued.body.jti]);
  await ledger.end();
  expect(rows).toEqual([
    { type: "issued", reason: null },
    { type: "redeemed", reason: null },
    { type: "revoked", reason: null },
    { type: "redeem_rejected", reason: "revoked" },
    { type: "revoked", reason: "already_revoked" },
  ]);
});

test("a key rotated through one process is published, then used for signing, by both", async () => {
  const published = await call(replicas[0], "security-oncall", "POST", "/v1/admin/keys/rotate", { environment: "production" });
  expect(published).toMatchObject({ status: 200, body: { outcome: "next_published" } });
  const rotated = await call(replicas[1], "security-oncall", "POST", "/v1/admin/keys/rotate", { environment: "production", force: true });
  expect(rotated.body).toMatchObject({ outcome: "rotated", activated: published.body.next });

  for (let i = 0; i < 100; i++) {
    const kids = await Promise.all(
      replicas.map(async (r) => {
        const issued = await call(r, "support-agent", "POST", "/v1/credentials", { scope: "crm:read", resource: "crm:customers/1" });
        return JSON.parse(Buffer.from(issued.body.credential.split(".")[0], "base64url").toString()).kid;
      }),
    );
    if (kids.every((kid) => kid === published.body.next)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the processes never both signed with the new key");
});
