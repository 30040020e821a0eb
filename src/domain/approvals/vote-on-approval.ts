import type { AuditEvent } from "../audit/audit-event";
import { ledgerEnvelope, type CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import type { ApprovalRequest } from "./approval-request";
import type { ApprovalServices } from "./approval-services";
import { isEligible, type Approver } from "./approver-authenticator";

/**
 * What waits for this approver: pending requests they may vote on (`voteRefusal`) and have not
 * voted on yet; nothing for an agent. The approvals API and the console both list through here.
 */
export async function approvalsFor(services: ApprovalServices, approver: Approver): Promise<ApprovalRequest[]> {
  if (isAgent(services, approver)) return [];
  const pending = await services.approvals.pending(services.clock.now());
  return pending.filter((r) => !voteRefusal(services, r, approver) && !r.approvals.some((a) => a.subject === approver.subject));
}

/**
 * Why this approver may not vote on this request, or undefined when they may: the one
 * authorization of a vote, for every surface (API, console) and for listing what waits.
 * They must be named by it, may not be the person the agent acts for (nor the agent, nor
 * any agent of the bundle).
 */
export function voteRefusal(services: Pick<ApprovalServices, "policy">, request: ApprovalRequest, approver: Approver): LocksmithError | undefined {
  if (!isEligible(request.approvers, approver)) {
    return new LocksmithError("permission_denied", `this request needs ${request.approvers.join(" or ")}`, { reason: "not_an_approver" });
  }
  if (isOwn(request, approver)) {
    return new LocksmithError("permission_denied", "nobody approves a request made for themselves", { reason: "self_approval" });
  }
  if (isAgent(services, approver)) {
    return new LocksmithError("permission_denied", "an agent never approves a request", { reason: "agent_cannot_approve" });
  }
  return undefined;
}

/**
 * An approver approves or rejects a request: they must be allowed to
 * (`voteRefusal`), and count once. The vote is atomic in the store; every accepted
 * vote is a ledger event. (Who the approver is — a person's own sign-in, not a
 * token an agent holds — is the authenticator's part: IdpApproverAuthenticator.)
 */
export async function voteOnApproval(
  services: ApprovalServices,
  approver: Approver,
  id: string,
  vote: { approve: boolean; comment?: string },
  call: CallContext,
): Promise<ApprovalRequest> {
  const request = await services.approvals.get(id);
  if (!request) throw new LocksmithError("not_found", "no such approval request");
  const refusal = voteRefusal(services, request, approver);
  if (refusal) throw refusal;
  const now = services.clock.now();
  const { outcome, request: after } = await services.approvals.vote(id, { subject: approver.subject, at: now, comment: vote.comment }, vote.approve, now);
  const record = (event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>) =>
    services.audit.append(approvalEvent(request, approver.subject, now, call, event));
  switch (outcome) {
    case "unknown":
      throw new LocksmithError("not_found", "no such approval request");
    case "duplicate":
      throw new LocksmithError("conflict", "you have already approved this request: it needs other people", { reason: "already_voted" });
    case "expired":
    case "already_expired":
      // Only the call that marked it expired records it: one ledger event per request.
      if (outcome === "expired") await record({ type: "approval_expired", decision: "deny", reason: "approval_timeout" });
      throw new LocksmithError("conflict", "this request has expired", { reason: "expired" });
    case "not_pending":
      throw new LocksmithError("conflict", `this request is already ${after?.status}`, { reason: "not_pending" });
    case "rejected":
      await record({ type: "approval_rejected", decision: "deny", reason: "rejected_by_approver" });
      return after!;
    default:
      await record({
        type: "approval_given",
        decision: outcome === "approved" ? "allow" : "pending",
        detail: { approvals: after!.approvals.length, required: request.count },
      });
      return after!;
  }
}

const isOwn = (r: ApprovalRequest, approver: Approver) => approver.subject === r.user || approver.subject === r.agent;
/** A sign-in whose subject names an agent of the bundle: identity providers and agents share no namespace we could trust apart. */
const isAgent = (services: Pick<ApprovalServices, "policy">, approver: Approver) => services.policy.current().agents.has(approver.subject);

/** A ledger event about an approval request; comments stay out of it (free text of people, not needed to prove anything). */
export function approvalEvent(
  r: ApprovalRequest,
  actor: string | undefined,
  now: number,
  call: CallContext,
  event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>,
): AuditEvent {
  return {
    occurredAt: new Date(now),
    environment: r.environment,
    agent: r.agent,
    user: r.user,
    actor,
    scope: r.scope,
    resource: r.resource,
    audience: r.audience,
    rule: r.rule,
    ...ledgerEnvelope(call, r.policyVersion),
    ...event,
    detail: { approval_request: r.id, ...event.detail },
  };
}
