import { randomUUID } from "node:crypto";
import type { ApprovalServices } from "../../../../src/domain/approvals/approval-services";
import type { ApprovalRequest } from "../../../../src/domain/approvals/approval-request";
import { approvalsFor, voteOnApproval, voteRefusal } from "../../../../src/domain/approvals/vote-on-approval";
import { LocksmithError } from "../../../../src/domain/errors";
import { MemoryApprovalStore } from "../../../../src/stores/memory/memory-approval-store";
import { MemoryAuditLog } from "../../../../src/stores/memory/memory-audit-log";
import { findEvents } from "../../../support/find-events";

const NOW = Date.parse("2026-11-21T10:00:00Z");
const clock = { now: () => NOW };

function setup() {
  const approvals = new MemoryApprovalStore(clock);
  const audit = new MemoryAuditLog();
  const policy = {
    current: () => ({
      agents: new Map([
        ["support-agent", {}],
        ["billing-agent", {}],
      ]),
    }),
  };
  const services = { approvals, audit, clock, policy } as unknown as ApprovalServices;
  return { approvals, audit, services };
}

const johnsRequest = (): ApprovalRequest => ({
  id: randomUUID(),
  agent: "support-agent",
  environment: "production",
  user: "john",
  scope: "crm:refund",
  resource: "crm:orders/1",
  audience: "https://crm.example.com",
  ttl: 60,
  rule: "roles.r.grants[0]",
  approvers: ["group:payments-leads"],
  count: 2,
  policyVersion: "sha256:x",
  createdAt: NOW,
  expiresAt: NOW + 60_000,
  status: "pending",
  approvals: [],
});

describe("voting on an approval", () => {
  it("refuses the person the agent acts for, even when their group may approve", async () => {
    const { approvals, services, audit } = setup();
    const r = johnsRequest();
    await approvals.create(r, 1000);
    const john = { subject: "john", groups: ["payments-leads"] };
    await expect(voteOnApproval(services, john, r.id, { approve: true }, { requestId: "t" })).rejects.toMatchObject({
      code: "permission_denied",
      extra: { reason: "self_approval" },
    });
    expect(await approvalsFor(services, john)).toEqual([]);
    expect((await approvals.get(r.id))?.approvals).toEqual([]);
    expect(await findEvents(audit)).toEqual([]);
  });

  it("refuses an approver named by the agent's id (an agent never approves for itself)", async () => {
    const { approvals, services } = setup();
    const r = { ...johnsRequest(), approvers: ["user:support-agent", "group:payments-leads"] };
    await approvals.create(r, 1000);
    const error = await voteOnApproval(services, { subject: "support-agent", groups: [] }, r.id, { approve: true }, { requestId: "t" }).catch((e) => e);
    expect(error).toBeInstanceOf(LocksmithError);
    expect(error.extra.reason).toBe("self_approval");
  });

  it("refuses any agent of the bundle, even one the request's approvers name, and lists nothing for it", async () => {
    const { approvals, services, audit } = setup();
    const r = { ...johnsRequest(), approvers: ["user:billing-agent", "group:payments-leads"] };
    await approvals.create(r, 1000);
    const billing = { subject: "billing-agent", groups: ["payments-leads"] };
    await expect(voteOnApproval(services, billing, r.id, { approve: true }, { requestId: "t" })).rejects.toMatchObject({
      code: "permission_denied",
      extra: { reason: "agent_cannot_approve" },
    });
    expect(await approvalsFor(services, billing)).toEqual([]);
    expect((await approvals.get(r.id))?.approvals).toEqual([]);
    expect(await findEvents(audit)).toEqual([]);
  });

  it("accepts an approver named as user:<subject>, and records the vote", async () => {
    const { approvals, services, audit } = setup();
    const r = { ...johnsRequest(), approvers: ["user:mary"] };
    await approvals.create(r, 1000);
    const after = await voteOnApproval(services, { subject: "mary", groups: [] }, r.id, { approve: true }, { requestId: "t" });
    expect(after.approvals.map((a) => a.subject)).toEqual(["mary"]);
    const [event] = await findEvents(audit);
    expect(event).toMatchObject({
      type: "approval_given",
      actor: "mary",
      user: "john",
      agent: "support-agent",
      detail: { approval_request: r.id, approvals: 1, required: 2 },
    });
  });
});

describe("what waits for an approver is exactly what they may vote on", () => {
  it("lists a request only when voteRefusal lets them vote and they have not voted yet, for every kind of refusal", async () => {
    const { approvals, services } = setup();
    const named = { ...johnsRequest(), approvers: ["group:payments-leads", "user:mary"] };
    const forMary = { ...johnsRequest(), user: "mary" };
    const otherGroup = { ...johnsRequest(), approvers: ["group:sre"] };
    for (const r of [named, forMary, otherGroup]) await approvals.create(r, 1000);
    const mary = { subject: "mary", groups: ["payments-leads"] };
    const ids = async () => (await approvalsFor(services, mary)).map((r) => r.id).sort();
    expect(await ids()).toEqual([named.id]);
    expect(voteRefusal(services, named, mary)).toBeUndefined();
    expect(voteRefusal(services, forMary, mary)?.extra).toEqual({ reason: "self_approval" });
    expect(voteRefusal(services, otherGroup, mary)?.extra).toEqual({ reason: "not_an_approver" });
    expect(voteRefusal(services, named, { subject: "support-agent", groups: ["payments-leads"] })?.extra).toEqual({ reason: "self_approval" });
    expect(voteRefusal(services, named, { subject: "billing-agent", groups: ["payments-leads"] })?.extra).toEqual({ reason: "agent_cannot_approve" });
    await voteOnApproval(services, mary, named.id, { approve: true }, { requestId: "t" });
    expect(await ids()).toEqual([]);
  });
});
