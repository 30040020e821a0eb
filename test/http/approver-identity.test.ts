import request from "supertest";
import { APPROVALS_AUDIENCE, approverToken, DELEGATION_AUDIENCE, delegationToken } from "../support/approvers";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";

// Issue 18, item 1: an agent cast both votes of a 2-person gate for its own request with the user
// tokens it held for delegation, and a token carrying act.sub = the agent counted as a person.
// Approver identity is a separate trust: these are its properties (docs/security-model.md, "Approver identity").

const VOID = { scope: "billing:void", resource: "billing:invoices/7" };

describe("approver identity is a separate trust (examples/company-policy.yaml: billing:void needs two of group:sre)", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith({ policyFile: COMPANY_POLICY });
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut?.close());

  const ask = async () => {
    const res = await api.issue("billing-agent", VOID);
    expect(res.status).toBe(202);
    return String(res.body.request_id);
  };
  const voteWith = (token: string, id: string) =>
    request(api.app)
      .post(`/v1/approvals/${id}`)
      .set({ authorization: `Bearer ${token}` })
      .send({ decision: "approve" });
  const listWith = (token: string) =>
    request(api.app)
      .get("/v1/approvals")
      .set({ authorization: `Bearer ${token}` });
  const status = async (id: string) =>
    (
      await request(api.app)
        .get(`/v1/credentials/requests/${id}`)
        .set(await api.headers("billing-agent"))
    ).body;

  test("the user tokens an agent holds for delegation cast no vote: two of them leave the request pending", async () => {
    const id = await ask();
    const alice = await delegationToken("alice");
    const bob = await delegationToken("bob");
    expectError(await voteWith(alice, id), 401, "invalid_client");
    expectError(await voteWith(bob, id), 401, "invalid_client");
    expectError(await listWith(alice), 401, "invalid_client");
    expect(await status(id)).toMatchObject({ status: "pending_approval", approvals: 0 });
    expect((await api.ledger({ type: "approval_given" })).filter((e) => e.detail?.approval_request === id)).toEqual([]);
  });

  test("a token for both audiences is neither: refused as an approver and as a user token", async () => {
    const id = await ask();
    const both = await approverToken("alice", ["sre"], { audience: [APPROVALS_AUDIENCE, DELEGATION_AUDIENCE], claims: { scope: "billing:read" } });
    expectError(await voteWith(both, id), 401, "invalid_client");
    expectError(await api.issue("billing-agent", { scope: "billing:read", resource: "billing:invoices/7", on_behalf_of: both }), 401, "invalid_token");
  });

  test("an approver's sign-in is not a user token: it cannot be used for delegation", async () => {
    const signIn = await approverToken("alice", ["sre"], { claims: { scope: "billing:read" } });
    expectError(await api.issue("billing-agent", { scope: "billing:read", resource: "billing:invoices/7", on_behalf_of: signIn }), 401, "invalid_token");
    // The same person's token for delegation works: the refusal is about the audience, not the person.
    const delegated = await api.issue("billing-agent", {
      scope: "billing:read",
      resource: "billing:invoices/7",
      on_behalf_of: await delegationToken("alice", { scope: "billing:read" }),
    });
    expect(delegated.status).toBe(201);
    api.secrets.push(delegated.body.credential);
  });

  test("a token carrying act (an actor acting for the person) never counts as the person's vote", async () => {
    const id = await ask();
    for (const act of [{ sub: "billing-agent" }, { sub: "someone-else" }, { sub: "x", act: { sub: "billing-agent" } }]) {
      expectError(await voteWith(await approverToken("alice", ["sre"], { claims: { act } }), id), 401, "invalid_client");
    }
    expectError(await listWith(await approverToken("alice", ["sre"], { claims: { act: { sub: "billing-agent" } } })), 401, "invalid_client");
    expect(await status(id)).toMatchObject({ status: "pending_approval", approvals: 0 });
  });

  test("a sign-in whose subject is the requesting agent cannot vote on its request", async () => {
    const id = await ask();
    expectError(await voteWith(await approverToken("billing-agent", ["sre"]), id), 403, "permission_denied", { reason: "self_approval" });
  });

  test("a sign-in whose subject is any agent of the bundle can never approve", async () => {
    const id = await ask();
    expectError(await voteWith(await approverToken("support-agent", ["sre"]), id), 403, "permission_denied", { reason: "agent_cannot_approve" });
    const listed = await listWith(await approverToken("support-agent", ["sre"]));
    expect(listed.status).toBe(200);
    expect(listed.body.approvals).toEqual([]);
    expect(await status(id)).toMatchObject({ status: "pending_approval", approvals: 0 });
  });

  test("two people's sign-ins for the approvals audience still approve (the gate works)", async () => {
    const id = await ask();
    expect((await voteWith(await approverToken("alice", ["sre"]), id)).status).toBe(200);
    expect((await voteWith(await approverToken("bob", ["sre"]), id)).body).toMatchObject({ status: "approved" });
    const collected = await status(id);
    expect(collected).toMatchObject({ status: "approved", credential: expect.any(String) });
    api.secrets.push(collected.credential);
  });
});
