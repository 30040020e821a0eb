import { ledgerEnvelope, type CallContext } from "../call-context";
import { handOutCredential } from "../credentials/hand-out-credential";
import type { IssuedCredential } from "../credentials/issued-credential";
import { LocksmithError } from "../errors";
import type { Grant } from "../policy/decision";
import type { Policy } from "../policy/policy";
import type { ApprovalRequest } from "./approval-request";
import type { ApprovalServices } from "./approval-services";
import { redecideApproved } from "./redecide-approved";
import { approvalEvent } from "./vote-on-approval";

export type CollectResult =
  | { readonly status: "pending"; readonly request: ApprovalRequest }
  | { readonly status: "rejected" | "expired" | "collected"; readonly request: ApprovalRequest }
  | { readonly status: "approved"; readonly request: ApprovalRequest; readonly credential: IssuedCredential };

/**
 * The agent polls its request. Once approved, the first poll (the one whose
 * atomic `collect` wins) decides it again against the policy and the agent's
 * state now (`redecideApproved`) and, allowed, gets the credential — minted
 * then, so its TTL starts then — through `handOutCredential`, like any other;
 * every later poll gets `collected`. A denial is 403 `permission_denied` with
 * its reason and a `denied` row, and uses the request up. If the hand-out
 * fails (a store fault), the request goes back to approved, so a retry can
 * still collect it.
 */
export async function collectApproved(services: ApprovalServices, agent: string, id: string, call: CallContext): Promise<CollectResult> {
  const now = services.clock.now();
  const { outcome, request } = await services.approvals.collect(id, agent, now);
  if (outcome === "unknown" || !request) throw new LocksmithError("not_found", "no such credential request of yours");
  if (outcome === "already_expired") return { status: "expired", request };
  if (outcome === "expired") {
    await services.audit.append(approvalEvent(request, undefined, now, call, { type: "approval_expired", decision: "deny", reason: "approval_timeout" }));
    return { status: "expired", request };
  }
  if (outcome === "pending" || outcome === "rejected") return { status: outcome, request };
  if (outcome === "already_collected") return { status: "collected", request };

  let credential: IssuedCredential;
  try {
    const policy = services.policy.current();
    const decision = await redecideApproved(services, policy, request);
    if (decision.outcome === "deny") {
      await services.audit.append(
        approvalEvent(request, undefined, now, call, {
          type: "denied",
          decision: "deny",
          reason: decision.reason,
          rule: decision.rule,
          ...ledgerEnvelope(call, policy.version),
        }),
      );
      throw new LocksmithError("permission_denied", decision.description, { reason: decision.reason, ...(decision.rule ? { rule: decision.rule } : {}) });
    }
    credential = await handOut(services, request, policy, decision, call);
  } catch (error) {
    // A denial uses the request up; only a fault gives it back for a retry.
    if (!(error instanceof LocksmithError && error.code === "permission_denied")) await services.approvals.release(id).catch(() => undefined);
    throw error;
  }
  return { status: "approved", request, credential };
}

function handOut(services: ApprovalServices, r: ApprovalRequest, policy: Policy, decision: Grant, call: CallContext): Promise<IssuedCredential> {
  return handOutCredential(
    services,
    {
      agent: r.agent,
      environment: r.environment,
      user: r.user,
      act: r.act,
      audience: r.audience,
      scope: r.scope,
      resource: r.resource,
      ttl: r.ttl,
      // What people approved, never more than the policy allows now.
      maxUses: tighter(r.maxUses, decision.maxUses),
      rule: decision.rule,
      policyVersion: policy.version,
      detail: {
        approval_request: r.id,
        approvals: r.approvals.map((a) => a.subject).join(" "),
        ...(r.purpose === undefined ? {} : { purpose: r.purpose }),
        ...(r.identityProvider === undefined ? {} : { identity_provider: r.identityProvider }),
      },
      signingAlg: decision.resourceServer.signingAlg,
      upstream: decision.resourceServer.upstream,
    },
    call,
  );
}

const tighter = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
