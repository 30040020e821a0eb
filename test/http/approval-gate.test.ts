import request from "supertest";
import { decodeJwt } from "jose";
import { approverToken, DELEGATION_AUDIENCE } from "../support/approvers";
import { expectError, LocksmithApi, sleep } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";

const VOID = { scope: "billing:void", resource: "billing:invoices/7" };

describe("the approval gate over HTTP (examples/company-policy.yaml: billing:void needs two of group:sre)", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith({ policyFile: COMPANY_POLICY });
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut?.close());

  const asApprover = async (subject: string, groups: string[]) => ({ authorization: `Bearer ${await approverToken(subject, groups)}` });
  const vote = async (id: string, subject: string, groups: string[], decision: string, comment?: string) =>
    request(api.app)
      .post(`/v1/approvals/${id}`)
      .set(await asApprover(subject, groups))
      .send({ decision, ...(comment ? { comment } : {}) });
  const poll = async (id: string, agent: "billing-agent" | "support-agent" = "billing-agent", wait?: number) =>
    request(api.app)
      .get(`/v1/credentials/requests/${id}${wait === undefined ? "" : `?wait=${wait}`}`)
      .set(await api.headers(agent));
  const ask = async () => {
    const res = await api.issue("billing-agent", VOID);
    expect(res.status).toBe(202);
    return String(res.body.request_id);
  };

  it("waits for two distinct approvers, then hands the credential out exactly once, its TTL starting then", async () => {
    const res = await api.issue("billing-agent", { ...VOID, reason: "duplicate invoice" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "pending_approval" });
    const id = res.body.request_id as string;

    const listed = await request(api.app)
      .get("/v1/approvals")
      .set(await asApprover("alice", ["sre"]));
    expect(listed.status).toBe(200);
    expect(listed.body.approvals).toContainEqual(
      expect.objectContaining({ request_id: id, agent: "billing-agent", scope: "billing:void", required: 2, approvals: 0, reason: "duplicate invoice" }),
    );
    const notMine = await request(api.app)
      .get("/v1/approvals")
      .set(await asApprover("dave", ["payments-leads"]));
    expect(notMine.body.approvals.map((a: { request_id: string }) => a.request_id)).not.toContain(id);

    expect((await poll(id)).body).toMatchObject({ request_id: id, status: "pending_approval", approvals: 0, required: 2 });

    const first = await vote(id, "alice", ["sre"], "approve", "checked the ticket");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "pending_approval", approvals: 1, approved_by: ["alice"] });
    expectError(await vote(id, "alice", ["sre"], "approve"), 409, "conflict", { reason: "already_voted" });
    expectError(await vote(id, "dave", ["payments-leads"], "approve"), 403, "permission_denied", { reason: "not_an_approver" });

    const approvedAt = Date.now();
    const second = await vote(id, "bob", ["sre", "staff"], "approve");
    expect(second.body).toMatchObject({ status: "approved", approvals: 2, approved_by: ["alice", "bob"] });

    const collected = await poll(id);
    expect(collected.status).toBe(200);
    expect(collected.body).toMatchObject({
      request_id: id,
      status: "approved",
      token_type: "Bearer",
      scope: "billing:void",
      resource: "billing:invoices/7",
      audience: "https://billing.example.com",
      expires_in: 60,
      max_uses: 1,
    });
    const claims = decodeJwt(collected.body.credential);
    expect(claims.iat! * 1000).toBeGreaterThanOrEqual(Math.floor(approvedAt / 1000) * 1000);
    expect(claims.exp! - claims.iat!).toBe(60);
    api.secrets.push(collected.body.credential);

    const again = await poll(id);
    expect(again.body).toMatchObject({ status: "collected" });
    expect(again.body.credential).toBeUndefined();

    const redeemed = await api.redeem("billing-prod", { credential: collected.body.credential });
    expect(redeemed.body).toMatchObject({ active: true, agent: "billing-agent", scope: "billing:void" });

    const events = (await api.ledger({ agent: "billing-agent" })).filter((e) => e.detail?.approval_request === id);
    expect(events.map((e) => [e.type, e.actor ?? null])).toEqual([
      ["pending_approval", null],
      ["approval_given", "alice"],
      ["approval_given", "bob"],
      ["issued", null],
    ]);
    expect(events[3].jti).toBe(claims.jti);
    expect(events[3].detail).toMatchObject({ approvals: "alice bob", ttl: 60 });
  });

  it("long-polls until the request is approved", async () => {
    const id = await ask();
    const waiting = poll(id, "billing-agent", 10);
    await sleep(300);
    await vote(id, "alice", ["sre"], "approve");
    await vote(id, "bob", ["sre"], "approve");
    const res = await waiting;
    expect(res.body).toMatchObject({ status: "approved", credential: expect.any(String) });
    api.secrets.push(res.body.credential);
  });

  it("ends a request that one approver rejects", async () => {
    const id = await ask();
    const rejected = await vote(id, "carol", ["sre"], "reject", "not during the freeze");
    expect(rejected.body).toMatchObject({ status: "rejected" });
    expect((await poll(id)).body).toMatchObject({ status: "rejected" });
    expectError(await vote(id, "alice", ["sre"], "approve"), 409, "conflict", { reason: "not_pending" });
    const events = (await api.ledger({ type: "approval_rejected" })).filter((e) => e.detail?.approval_request === id);
    expect(events).toHaveLength(1);
    expect(events[0].actor).toBe("carol");
  });

  it("never lets an agent approve: its assertion is not an identity provider token", async () => {
    const id = await ask();
    const res = await request(api.app)
      .post(`/v1/approvals/${id}`)
      .set(await api.headers("billing-agent"))
      .send({ decision: "approve" });
    expectError(res, 401, "invalid_client");
    const list = await request(api.app)
      .get("/v1/approvals")
      .set(await api.headers("security-oncall"));
    expectError(list, 401, "invalid_client");
  });

  it("hides a request from every agent but the one that made it", async () => {
    const id = await ask();
    expectError(await poll(id, "support-agent"), 404, "not_found");
  });

  it("refuses bad input with 4xx in the contract's shape", async () => {
    const id = await ask();
    expectError(await vote(id, "alice", ["sre"], "maybe"), 400, "invalid_request");
    expectError(await vote("not-a-request", "alice", ["sre"], "approve"), 400, "invalid_request");
    expectError(await vote("00000000-0000-4000-8000-000000000000", "alice", ["sre"], "approve"), 404, "not_found");
    expectError(await request(api.app).post(`/v1/approvals/${id}`).send({ decision: "approve" }), 401, "invalid_client");
    const delegationOnly = await approverToken("alice", ["sre"], { audience: DELEGATION_AUDIENCE });
    expectError(
      await request(api.app)
        .post(`/v1/approvals/${id}`)
        .set({ authorization: `Bearer ${delegationOnly}` })
        .send({ decision: "approve" }),
      401,
      "invalid_client",
    );
    const wrongAudience = await approverToken("alice", ["sre"], { audience: "someone-else" });
    expectError(
      await request(api.app)
        .post(`/v1/approvals/${id}`)
        .set({ authorization: `Bearer ${wrongAudience}` })
        .send({ decision: "approve" }),
      401,
      "invalid_client",
    );
    const untrusted = await approverToken("alice", ["sre"], { issuer: "https://evil.example.com" });
    expectError(
      await request(api.app)
        .get("/v1/approvals")
        .set({ authorization: `Bearer ${untrusted}` }),
      401,
      "invalid_client",
    );
    expectError(await poll(id, "billing-agent", 99), 400, "invalid_request");
  });
});

describe("an approval request that waits too long", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith({ policyFile: COMPANY_POLICY, env: { LOCKSMITH_APPROVAL_TIMEOUT: "1s" } });
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut?.close());

  it("expires: approvals are refused, the agent learns it, the ledger says so", async () => {
    const res = await api.issue("billing-agent", VOID);
    const id = res.body.request_id as string;
    await sleep(1100);
    const late = await request(api.app)
      .post(`/v1/approvals/${id}`)
      .set({ authorization: `Bearer ${await approverToken("alice", ["sre"])}` })
      .send({ decision: "approve" });
    expectError(late, 409, "conflict", { reason: "expired" });
    const polled = await request(api.app)
      .get(`/v1/credentials/requests/${id}`)
      .set(await api.headers("billing-agent"));
    expect(polled.body).toMatchObject({ status: "expired" });
    expect(polled.body.credential).toBeUndefined();
    expect(
      (
        await request(api.app)
          .get(`/v1/credentials/requests/${id}`)
          .set(await api.headers("billing-agent"))
      ).body,
    ).toMatchObject({ status: "expired" });
    const listed = await request(api.app)
      .get("/v1/approvals")
      .set({ authorization: `Bearer ${await approverToken("alice", ["sre"])}` });
    expect(listed.body.approvals).toEqual([]);
    const expired = (await api.ledger({ type: "approval_expired" })).filter((e) => e.detail?.approval_request === id);
    expect(expired).toHaveLength(1);
  });

  it("is recorded as expired once when the agent is the first to notice", async () => {
    const id = (await api.issue("billing-agent", VOID)).body.request_id as string;
    await sleep(1100);
    for (let i = 0; i < 3; i++) {
      const polled = await request(api.app)
        .get(`/v1/credentials/requests/${id}`)
        .set(await api.headers("billing-agent"));
      expect(polled.body).toMatchObject({ status: "expired" });
    }
    const expired = (await api.ledger({ type: "approval_expired" })).filter((e) => e.detail?.approval_request === id);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ agent: "billing-agent", reason: "approval_timeout" });
  });
});
