import { randomUUID } from "node:crypto";
import type { ApprovalRequest } from "../../src/domain/approvals/approval-request";
import { TooManyPendingError, type ApprovalStore } from "../../src/domain/approvals/approval-store";
import { MAX_PENDING_APPROVALS_PER_AGENT } from "../../src/domain/approvals/approval-store";

export interface ApprovalStoreFixture {
  readonly store: ApprovalStore;
  close(): Promise<void>;
}

const NOW = Date.now();
const KEEP_MS = 60_000;

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: randomUUID(),
  agent: "billing-agent",
  environment: "production",
  scope: "billing:void",
  resource: "billing:invoices/7",
  audience: "https://billing.example.com",
  ttl: 60,
  maxUses: 1,
  rule: "roles.billing-operator.grants[2]",
  approvers: ["group:sre"],
  count: 2,
  policyVersion: "sha256:test",
  createdAt: NOW,
  expiresAt: NOW + 60_000,
  status: "pending",
  approvals: [],
  ...overrides,
});

const vote = (subject: string, comment?: string) => ({ subject, at: NOW + 1, ...(comment ? { comment } : {}) });

/** The guarantees every ApprovalStore gives, run against memory and Redis alike. */
export function describeApprovalStoreContract(name: string, factory: () => Promise<ApprovalStoreFixture>): void {
  describe(`${name} (ApprovalStore contract)`, () => {
    let fixture: ApprovalStoreFixture;
    let store: ApprovalStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());

    it("gives back a created request as it was made", async () => {
      const r = request({ purpose: "ticket 1" });
      await store.create(r, KEEP_MS);
      expect(await store.get(r.id)).toEqual(r);
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it("approves once `count` distinct people approved, and counts each person once", async () => {
      const r = request();
      await store.create(r, KEEP_MS);
      expect((await store.vote(r.id, vote("alice", "ok"), true, NOW + 1)).outcome).toBe("recorded");
      expect((await store.vote(r.id, vote("alice"), true, NOW + 2)).outcome).toBe("duplicate");
      const second = await store.vote(r.id, vote("bob"), true, NOW + 3);
      expect(second.outcome).toBe("approved");
      expect(second.request?.status).toBe("approved");
      expect(second.request?.approvals.map((a) => a.subject)).toEqual(["alice", "bob"]);
      expect(second.request?.approvals[0].comment).toBe("ok");
      expect((await store.vote(r.id, vote("carol"), true, NOW + 4)).outcome).toBe("not_pending");
    });

    it("lets exactly one of many concurrent approvers complete the approval", async () => {
      const r = request({ count: 3 });
      await store.create(r, KEEP_MS);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.vote(r.id, vote(`person-${i}`), true, NOW + 1)));
      expect(outcomes.filter((o) => o.outcome === "approved")).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === "recorded")).toHaveLength(2);
      expect((await store.get(r.id))?.approvals).toHaveLength(3);
    });

    it("ends a request on one rejection", async () => {
      const r = request();
      await store.create(r, KEEP_MS);
      const rejected = await store.vote(r.id, vote("alice", "no"), false, NOW + 1);
      expect(rejected.outcome).toBe("rejected");
      expect(rejected.request?.rejection?.subject).toBe("alice");
      expect((await store.vote(r.id, vote("bob"), true, NOW + 2)).outcome).toBe("not_pending");
    });

    it("refuses votes after the request expired, marking it expired once", async () => {
      const r = request({ expiresAt: NOW + 10 });
      await store.create(r, KEEP_MS);
      const first = await store.vote(r.id, vote("alice"), true, NOW + 10);
      expect(first.outcome).toBe("expired");
      expect(first.request?.status).toBe("expired");
      expect((await store.vote(r.id, vote("bob"), true, NOW + 11)).outcome).toBe("already_expired");
      expect((await store.collect(r.id, "billing-agent", NOW + 12)).outcome).toBe("already_expired");
      expect((await store.vote(randomUUID(), vote("alice"), true, NOW)).outcome).toBe("unknown");
    });

    it("hands an approved request to its agent exactly once, even to concurrent pollers", async () => {
      const r = request({ count: 1 });
      await store.create(r, KEEP_MS);
      expect((await store.collect(r.id, "billing-agent", NOW + 1)).outcome).toBe("pending");
      await store.vote(r.id, vote("alice"), true, NOW + 1);
      expect((await store.collect(r.id, "other-agent", NOW + 2)).outcome).toBe("unknown");
      const polls = await Promise.all(Array.from({ length: 10 }, () => store.collect(r.id, "billing-agent", NOW + 2)));
      expect(polls.filter((p) => p.outcome === "collected")).toHaveLength(1);
      expect(polls.filter((p) => p.outcome === "already_collected")).toHaveLength(9);
    });

    it("lets a request be collected again after release", async () => {
      const r = request({ count: 1 });
      await store.create(r, KEEP_MS);
      await store.vote(r.id, vote("alice"), true, NOW + 1);
      expect((await store.collect(r.id, "billing-agent", NOW + 2)).outcome).toBe("collected");
      await store.release(r.id);
      expect((await store.collect(r.id, "billing-agent", NOW + 3)).outcome).toBe("collected");
    });

    it("says expired when an approved request was not collected in time", async () => {
      const r = request({ count: 1, expiresAt: NOW + 10 });
      await store.create(r, KEEP_MS);
      await store.vote(r.id, vote("alice"), true, NOW + 1);
      expect((await store.collect(r.id, "billing-agent", NOW + 10)).outcome).toBe("expired");
      expect((await store.collect(r.id, "billing-agent", NOW + 11)).outcome).toBe("already_expired");
    });

    it("refuses the request beyond MAX_PENDING_APPROVALS_PER_AGENT of one agent, saving nothing, and frees a place when one is decided", async () => {
      const agent = `flooder-${randomUUID()}`;
      const opened = Array.from({ length: MAX_PENDING_APPROVALS_PER_AGENT }, (_, i) => request({ agent, createdAt: NOW + i }));
      for (const r of opened) await store.create(r, KEEP_MS);
      const extra = request({ agent });
      await expect(store.create(extra, KEEP_MS)).rejects.toBeInstanceOf(TooManyPendingError);
      expect(await store.get(extra.id)).toBeUndefined();
      await store.create(request({ agent: `other-${randomUUID()}` }), KEEP_MS);
      await store.vote(opened[0].id, vote("alice"), false, NOW + 1);
      await store.create(extra, KEEP_MS);
      expect((await store.pending(NOW + 1)).filter((r) => r.agent === agent)).toHaveLength(MAX_PENDING_APPROVALS_PER_AGENT);
    });

    it("lets at most MAX_PENDING_APPROVALS_PER_AGENT of many concurrent creates of one agent through", async () => {
      const agent = `racer-${randomUUID()}`;
      const results = await Promise.allSettled(Array.from({ length: MAX_PENDING_APPROVALS_PER_AGENT + 10 }, () => store.create(request({ agent }), KEEP_MS)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(MAX_PENDING_APPROVALS_PER_AGENT);
    });

    it("lists pending, unexpired requests newest first", async () => {
      const older = request({ createdAt: NOW - 2, agent: `a-${randomUUID()}` });
      const newer = request({ createdAt: NOW - 1, agent: older.agent });
      const expired = request({ expiresAt: NOW, agent: older.agent });
      const approved = request({ count: 1, agent: older.agent });
      for (const r of [newer, older, expired, approved]) await store.create(r, KEEP_MS);
      await store.vote(approved.id, vote("alice"), true, NOW);
      const listed = (await store.pending(NOW + 1)).filter((r) => r.agent === older.agent).map((r) => r.id);
      expect(listed).toEqual([newer.id, older.id]);
    });
  });
}
