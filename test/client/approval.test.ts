import { ApprovalPending, Locksmith, PermissionDenied } from "@locksmith/client";
import { approverToken } from "../support/approvers";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { COMPANY_POLICY, exampleKey } from "../support/principals";

// examples/company-policy.yaml: billing:void needs two approvals from group:sre.
const VOID = { scope: "billing:void", resource: "billing:invoices/7" };
let locksmith: ListeningLocksmith;
let billing: Locksmith;

beforeAll(async () => {
  locksmith = await startListeningLocksmith({ policyFile: COMPANY_POLICY });
  billing = new Locksmith({ url: locksmith.url, issuer: TEST_ISSUER, agent: "billing-agent", key: exampleKey("billing-agent") });
});
afterAll(() => locksmith?.close());

async function pending(): Promise<ApprovalPending> {
  const error = await billing.credential(VOID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApprovalPending);
  return error as ApprovalPending;
}

async function vote(requestId: string, person: string, decision: "approve" | "reject") {
  const res = await fetch(`${locksmith.url}/v1/approvals/${requestId}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await approverToken(person, ["sre"])}`, "content-type": "application/json" },
    body: JSON.stringify({ decision }),
  });
  expect(res.status).toBe(200);
}

describe("awaiting approval with the SDK", () => {
  test("approved() resolves with the credential once two people approve", async () => {
    const waiting = await pending();
    const credential = waiting.approved({ timeout: 20_000 });
    await vote(waiting.requestId, "alice", "approve");
    await vote(waiting.requestId, "bob", "approve");
    await expect(credential).resolves.toMatchObject({ scope: "billing:void", resource: "billing:invoices/7", maxUses: 1 });
  });

  test("approved() rejects with PermissionDenied (approval_rejected) when an approver rejects", async () => {
    const waiting = await pending();
    // Caught at once: it may settle while the vote is still being answered.
    const outcome = waiting.approved({ timeout: 20_000 }).catch((e: unknown) => e);
    await vote(waiting.requestId, "carol", "reject");
    const error = await outcome;
    expect(error).toBeInstanceOf(PermissionDenied);
    expect(error).toMatchObject({ reason: "approval_rejected" });
  });
});
