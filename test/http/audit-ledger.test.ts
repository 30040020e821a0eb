import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Client } from "pg";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { LocksmithApi, requestIdOf } from "../support/locksmith-api";
import { EXAMPLE_POLICY } from "../support/principals";
import { credentialEntry, credentialKeys, redisEntries } from "../support/redis-inspection";

// What each decision leaves behind: its ledger row, its Redis state, and nothing a thief could use.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let db: Client;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
  db = new Client({ connectionString: sut.database.url });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await sut.close();
});

const POLICY_VERSION = `sha256:${createHash("sha256").update(readFileSync(EXAMPLE_POLICY)).digest("hex")}`;

/** Rows of one request, read straight from PostgreSQL by another connection. */
const committedRows = async (requestId: string) => (await db.query("SELECT * FROM audit_events WHERE request_id = $1 ORDER BY seq", [requestId])).rows;

describe("each decision leaves its row", () => {
  test("issued: committed before the 201 arrives, with the rule, the policy version and the request id", async () => {
    const res = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: 120, reason: "ticket 4711" });
    expect(res.status).toBe(201);

    expect(await committedRows(requestIdOf(res))).toHaveLength(1);
    expect(await api.rowOf(res)).toMatchObject({
      type: "issued",
      decision: "allow",
      environment: "production",
      agent: "support-agent",
      scope: "crm:read",
      resource: "crm:customers/42",
      audience: "https://crm.example.com",
      jti: res.body.jti,
      rule: "roles.customer-service-tier-1.grants[0]",
      policyVersion: POLICY_VERSION,
      requestId: requestIdOf(res),
      clientIp: expect.any(String),
      detail: { ttl: 120, max_uses: null, purpose: "ticket 4711" },
    });
  });

  test("denied: committed before the 403, with reason, rule, policy version and request id, and no credential state", async () => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42", reason: "cleanup" });
    expect(res.status).toBe(403);

    expect(await committedRows(requestIdOf(res))).toHaveLength(1);
    const row = await api.rowOf(res, { agent: "support-agent", type: "denied" });
    expect(row).toMatchObject({
      decision: "deny",
      environment: "production",
      scope: "crm:delete",
      resource: "crm:customers/42",
      reason: "explicit_deny",
      rule: "roles.customer-service-tier-1.deny[0]",
      policyVersion: POLICY_VERSION,
      detail: { purpose: "cleanup" },
    });
    expect(row.jti).toBeUndefined();
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });

  test.each([
    ["no_grant", "support-agent", { scope: "crm:write", resource: "crm:customers/42" }, undefined],
    ["ttl_exceeds_policy", "support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: "10m" }, "roles.customer-service-tier-1.grants[0]"],
    ["environment_wall", "staging-deploy-agent", { scope: "infra:deploy", resource: "infra:production/db" }, undefined],
  ] as const)("denied for %s: the reason and the deciding rule are in the row", async (reason, agent, body, rule) => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue(agent, body);

    expect(res.body.reason).toBe(reason);
    const row = await api.rowOf(res, { agent, type: "denied" });
    expect(row).toMatchObject({ decision: "deny", reason, policyVersion: POLICY_VERSION, requestId: requestIdOf(res) });
    expect(row.rule).toBe(rule);
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });

  test("pending_approval: the row links the approval request, and no credential state exists", async () => {
    const before = await credentialKeys(sut.redisPrefix);
    const res = await api.issue("support-agent", { scope: "crm:refund", resource: "crm:orders/7" });
    expect(res.status).toBe(202);

    expect(await api.rowOf(res, { agent: "support-agent", type: "pending_approval" })).toMatchObject({
      decision: "pending",
      audience: "https://crm.example.com",
      rule: "roles.customer-service-tier-1.grants[1]",
      policyVersion: POLICY_VERSION,
      detail: { approval_request: res.body.request_id },
    });
    expect(await credentialKeys(sut.redisPrefix)).toEqual(before);
  });

  test("redeemed: the resource server is the actor and the uses left are recorded", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    const res = await api.redeem("crm-prod", { credential: issued.credential });

    expect(await api.rowOf(res, { jti: issued.jti })).toMatchObject({
      type: "redeemed",
      decision: "allow",
      actor: "crm-prod",
      agent: "support-agent",
      environment: "production",
      policyVersion: POLICY_VERSION,
      detail: { uses_remaining: 2 },
    });
  });

  test("one credential's history reads in ledger order", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    await api.redeem("crm-prod", { credential: issued.credential });
    await api.revoke("support-agent", issued.jti);
    await api.redeem("crm-prod", { credential: issued.credential });

    const history = await api.ledger({ jti: issued.jti });
    expect(history.map((row) => [row.type, row.reason])).toEqual([
      ["issued", undefined],
      ["redeemed", undefined],
      ["revoked", undefined],
      ["redeem_rejected", "revoked"],
    ]);
    expect(history.map((row) => row.seq)).toEqual([...history.map((row) => row.seq)].sort((a, b) => (a < b ? -1 : 1)));
  });
});

describe("live state in Redis", () => {
  test("a credential's state is one packed string under cred:{<jti>} that expires with it", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: 120 });

    const entry = await credentialEntry(sut.redisPrefix, issued.jti);
    expect(entry?.fields).toEqual({ a: "support-agent", e: "production", s: "crm:read", r: "crm:customers/42", u: "-1" });
    expect(entry?.pttl).toBeGreaterThan(110_000);
    expect(entry?.pttl).toBeLessThanOrEqual(120_000);
  });

  test("a limited credential's state holds its uses left", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    await api.redeem("crm-prod", { credential: issued.credential });

    const entry = await credentialEntry(sut.redisPrefix, issued.jti);
    expect(entry?.fields.u).toBe("2");
    expect(entry?.pttl).toBeGreaterThan(110_000);
    expect(entry?.pttl).toBeLessThanOrEqual(120_000);
  });

  test("no Redis key or value holds a credential or an assertion, whole or in part", async () => {
    const credentials = [
      await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" }),
      await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" }),
      await api.issued("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" }),
    ];
    for (const issued of credentials) {
      await api.redeem(issued.audience.includes("staging") ? "infra-staging" : "crm-prod", { credential: issued.credential });
    }
    await api.revoke("support-agent", credentials[0].jti);

    const entries = await redisEntries(sut.redisPrefix);
    expect(entries.length).toBeGreaterThan(0);
    const stored = entries.flatMap((entry) => [entry.key, ...entry.values]).join("\n");
    for (const secret of api.secrets) {
      const [, payload, signature] = secret.split(".");
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(payload);
      expect(stored).not.toContain(signature);
    }
  });
});

describe("the ledger itself", () => {
  test("holds no credential or assertion", async () => {
    await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });

    const everything = JSON.stringify((await db.query("SELECT * FROM audit_events")).rows);
    for (const secret of api.secrets) {
      const [, payload, signature] = secret.split(".");
      expect(everything).not.toContain(payload);
      expect(everything).not.toContain(signature);
    }
  });

  test.each([
    ["UPDATE", "UPDATE audit_events SET reason = 'nothing happened'"],
    ["UPDATE of one row", "UPDATE audit_events SET decision = 'allow' WHERE seq = (SELECT min(seq) FROM audit_events)"],
    ["DELETE", "DELETE FROM audit_events"],
    ["DELETE of one row", "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"],
    ["TRUNCATE", "TRUNCATE audit_events"],
  ])("the database refuses %s, even to the superuser and with session_replication_role = replica", async (_name, sql) => {
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
    const before = (await db.query("SELECT * FROM audit_events ORDER BY seq")).rows;

    expect((await db.query("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")).rows[0]).toEqual({
      current_user: "postgres",
      usesuper: true,
    });
    await expect(db.query(sql)).rejects.toThrow(/append-only/);
    await db.query("SET session_replication_role = replica");
    try {
      await expect(db.query(sql)).rejects.toThrow(/append-only/);
    } finally {
      await db.query("RESET session_replication_role");
    }
    expect((await db.query("SELECT * FROM audit_events ORDER BY seq")).rows).toEqual(before);
  });
});
