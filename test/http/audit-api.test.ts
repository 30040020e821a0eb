import { randomUUID } from "node:crypto";
import request from "supertest";
import { verifyCheckpointNote } from "../../src/domain/audit/checkpoint-note";
import { verifyConsistency, verifyInclusion } from "../../src/domain/audit/merkle";
import { eventLeafHash } from "../../src/domain/audit/canonical-event";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import type { ExamplePrincipal } from "../support/principals";

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith({ env: { LOCKSMITH_CHECKPOINT_EVERY: "1000000", LOCKSMITH_CHECKPOINT_SECONDS: "3600" } });
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const get = async (path: string, as: ExamplePrincipal = "security-auditor") =>
  request(api.app)
    .get(path)
    .set(await api.headers(as));
const b = (s: string) => Buffer.from(s, "base64");

describe("who may read the ledger", () => {
  test.each(["support-agent", "crm-prod", "security-oncall"] as const)("a %s gets 403 on every audit endpoint", async (who) => {
    for (const path of ["/v1/audit/events", "/v1/audit/events/1", "/v1/audit/export", "/v1/audit/consistency?from=1&to=1", "/v1/audit/trace/x"]) {
      expectError(await get(path, who), 403, "permission_denied", { reason: "wrong_principal_kind" });
    }
  });

  test("no assertion is 401", async () => {
    expectError(await request(api.app).get("/v1/audit/events"), 401, "invalid_client");
  });
});

describe("querying", () => {
  const marker = `ticket-${randomUUID()}`;
  let jti: string;
  beforeAll(async () => {
    jti = (await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", reason: marker })).jti;
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
    await api.issue("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" });
  });

  test("the first event names the loaded policy version", async () => {
    const res = await get("/v1/audit/events/1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ seq: 1, type: "policy_loaded", policy_version: sut.locksmith.policy.version });
  });

  test.each([
    ["agent=staging-deploy-agent", (e: Record<string, unknown>) => e.agent === "staging-deploy-agent"],
    ["environment=staging", (e: Record<string, unknown>) => e.environment === "staging"],
    ["type=denied", (e: Record<string, unknown>) => e.type === "denied"],
    ["decision=deny", (e: Record<string, unknown>) => e.decision === "deny"],
    ["scope=crm:read", (e: Record<string, unknown>) => String(e.scope).split(" ").includes("crm:read")],
    ["resource=infra:staging/web", (e: Record<string, unknown>) => e.resource === "infra:staging/web"],
  ])("filters by %s", async (filter, holds) => {
    const res = await get(`/v1/audit/events?${filter}`);
    expect(res.status).toBe(200);
    expect(res.body.events.length).toBeGreaterThan(0);
    expect(res.body.events.every(holds)).toBe(true);
  });

  test("filters by jti, and by time range", async () => {
    const byJti = (await get(`/v1/audit/events?jti=${jti}`)).body.events;
    expect(byJti.map((e: { type: string }) => e.type)).toEqual(["issued"]);
    expect(byJti[0].detail.purpose).toBe(marker);
    const at = byJti[0].time;
    const window = (await get(`/v1/audit/events?from=${at}&to=${new Date(Date.parse(at) + 1).toISOString()}`)).body.events;
    expect(window.some((e: { jti?: string }) => e.jti === jti)).toBe(true);
    expect((await get(`/v1/audit/events?to=2000-01-01T00:00:00Z`)).body.events).toEqual([]);
  });

  test("filters by user (none of these events was delegated)", async () => {
    expect((await get("/v1/audit/events?user=alice@example.com")).body).toEqual({ events: [], next_cursor: null });
  });

  test("pages with a cursor in stable seq order, and events appended meanwhile appear on later pages only", async () => {
    const first = await get("/v1/audit/events?limit=2");
    expect(first.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    const appended = (await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/7" })).jti;
    const seen: number[] = [1, 2];
    for (let cursor = first.body.next_cursor; cursor; ) {
      const page = await get(`/v1/audit/events?limit=2&cursor=${cursor}`);
      seen.push(...page.body.events.map((e: { seq: number }) => e.seq));
      cursor = page.body.next_cursor;
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect((await get(`/v1/audit/events?jti=${appended}`)).body.events[0].seq).toBe(seen[seen.length - 1]);
  });

  test("refuses bad filters with 400 in the error shape", async () => {
    for (const query of ["type=exploded", "from=yesterday", "limit=0", "cursor=abc", "colour=red", "decision=maybe"]) {
      expectError(await get(`/v1/audit/events?${query}`), 400, "invalid_request");
    }
    expectError(await get("/v1/audit/events/0"), 400, "invalid_request");
    expectError(await get("/v1/audit/events/999999"), 404, "not_found");
  });

  test("traces a credential: issued → redeemed → revoked", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/9/notes" });
    expect((await api.redeem("crm-prod", { credential: issued.credential })).body.active).toBe(true);
    expect((await api.revoke("support-agent", issued.jti)).status).toBe(204);
    const res = await get(`/v1/audit/trace/${issued.jti}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jti: issued.jti, status: "revoked", agent: "support-agent", redemptions: 1, rejected_redemptions: 0 });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(["issued", "redeemed", "revoked"]);
    expectError(await get(`/v1/audit/trace/${randomUUID()}`), 404, "not_found");
  });

  test("exports a range as NDJSON whose every line hashes to the leaf written for it", async () => {
    const res = await get("/v1/audit/export?after_seq=1&until_seq=4");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    const lines = res.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.seq)).toEqual([2, 3, 4]);
    const leaves = await sut.locksmith.ledger.leafHashes(2, 4);
    lines.forEach((line, i) => {
      const stored = {
        ...line,
        occurredAt: new Date(line.time),
        policyVersion: line.policy_version,
        requestId: line.request_id,
        clientIp: line.client_ip,
        traceId: line.trace_id,
      };
      expect(eventLeafHash(BigInt(line.seq), stored).equals(leaves[i])).toBe(true);
    });
  });
});

describe("proofs", () => {
  test("an inclusion proof of every event verifies against the signed checkpoint", async () => {
    expectError(await get("/v1/audit/events/1/proof?size=999"), 404, "not_found");
    const checkpoint = await sut.locksmith.checkpoint();
    const size = checkpoint!.size;
    for (let seq = 1; seq <= size; seq++) {
      const res = await get(`/v1/audit/events/${seq}/proof`);
      expect(res.status).toBe(200);
      const signed = verifyCheckpointNote(res.body.checkpoint, sut.verifierKey);
      expect(signed.ok).toBe(true);
      const root = signed.ok ? signed.checkpoint.root : Buffer.alloc(32);
      expect(verifyInclusion(b(res.body.leaf_hash), res.body.leaf_index, res.body.tree_size, res.body.audit_path.map(b), root)).toBe(true);
    }
  });

  test("a consistency proof between two checkpoints verifies", async () => {
    const first = (await sut.locksmith.checkpoint()) ?? (await sut.locksmith.ledger.checkpoint());
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/1" });
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/2" });
    const second = await sut.locksmith.checkpoint();
    const res = await get(`/v1/audit/consistency?from=${first!.size}&to=${second!.size}`);
    expect(res.status).toBe(200);
    expect(res.body.checkpoints).toHaveLength(2);
    expect(b(res.body.first_root).equals(first!.root)).toBe(true);
    expect(verifyConsistency(first!.size, second!.size, first!.root, second!.root, res.body.consistency.map(b))).toBe(true);
    expectError(await get("/v1/audit/consistency?from=5&to=2"), 400, "invalid_request");
  });
});

describe("load", () => {
  test("200 concurrent issuances: every returned jti has exactly one committed `issued` event, seqs stay gapless", async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => api.issue("support-agent", { scope: "crm:read", resource: `crm:customers/${1000 + i}` })),
    );
    const jtis = results.filter((r) => r.status === 201).map((r) => r.body.jti as string);
    expect(jtis).toHaveLength(200);
    const issued = (await sut.locksmith.ledger.page({ type: "issued" }, 0n, 10_000)).filter((e) => e.jti && jtis.includes(e.jti));
    expect(issued).toHaveLength(200);
    expect(new Set(issued.map((e) => e.jti)).size).toBe(200);
    const last = Number(await sut.locksmith.ledger.lastSeq());
    const all = await sut.locksmith.ledger.page({}, 0n, 100_000);
    expect(all.map((e) => Number(e.seq))).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });
});
