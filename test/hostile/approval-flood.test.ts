import request from "supertest";
import { MAX_PENDING_APPROVALS_PER_AGENT } from "../../src/domain/approvals/approval-store";
import { approverToken } from "../support/approvers";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor, COMPANY_POLICY } from "../support/principals";

// Issue 18, item 9: invalid requests open nothing, and no agent can flood the approval queue so that
// newer requests are hidden (examples/company-policy.yaml: billing:void needs two of group:sre).

const VOID = { scope: "billing:void", resource: "billing:invoices/7" };
let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith({ policyFile: COMPANY_POLICY });
  api = new LocksmithApi(sut);
});
afterAll(() => sut?.close());

const listed = async () => {
  const res = await request(api.app)
    .get("/v1/approvals")
    .set({ authorization: `Bearer ${await approverToken("alice", ["sre"])}` });
  expect(res.status).toBe(200);
  return res.body.approvals as { request_id: string; created_at: string }[];
};

test("50 gated requests through /oauth/token are each refused, and open no approval request", async () => {
  for (let i = 0; i < 50; i++) {
    const res = await request(api.app)
      .post("/oauth/token")
      .type("form")
      .send({
        grant_type: "client_credentials",
        ...VOID,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: await assertionFor("billing-agent", TEST_ISSUER),
      });
    expectError(res, 400, "invalid_scope", { reason: "approval_required" });
  }
  expect(await listed()).toEqual([]);
  expect(await api.ledger({ agent: "billing-agent", type: "pending_approval" })).toEqual([]);
  const denied = await api.ledger({ agent: "billing-agent", type: "denied" });
  expect(denied).toHaveLength(50);
  expect(new Set(denied.map((row) => row.reason))).toEqual(new Set(["approval_required"]));
});

test("an agent may have a bounded number of requests waiting; beyond it, 429 and nothing opened; the list is newest first", async () => {
  const opened: string[] = [];
  for (let i = 0; i < MAX_PENDING_APPROVALS_PER_AGENT; i++) {
    const res = await api.issue("billing-agent", VOID);
    expect(res.status).toBe(202);
    opened.push(res.body.request_id);
  }
  for (let i = 0; i < 5; i++) expectError(await api.issue("billing-agent", VOID), 429, "too_many_requests");
  expect(await api.ledger({ agent: "billing-agent", type: "pending_approval" })).toHaveLength(MAX_PENDING_APPROVALS_PER_AGENT);

  const waiting = await listed();
  expect(waiting.map((a) => a.request_id)).toEqual([...opened].reverse());

  // A decided request frees its place: the next one is opened and listed first.
  const reject = await request(api.app)
    .post(`/v1/approvals/${opened[0]}`)
    .set({ authorization: `Bearer ${await approverToken("bob", ["sre"])}` })
    .send({ decision: "reject" });
  expect(reject.status).toBe(200);
  const next = await api.issue("billing-agent", VOID);
  expect(next.status).toBe(202);
  expect((await listed())[0].request_id).toBe(next.body.request_id);
});
