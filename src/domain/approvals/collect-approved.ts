import { epochSeconds } from "../clock";
import type { CallContext } from "../credentials/credential-services";
import type { IssuedCredential } from "../credentials/issue-credential";
import { mintCredential } from "../credentials/mint-credential";
import { LocksmithError } from "../errors";
import type { ApprovalRequest } from "./approval-request";
import type { ApprovalServices } from "./approval-services";
import { approvalEvent } from "./vote-on-approval";

export type CollectResult =
  | { readonly status: "pending"; readonly request: ApprovalRequest }
  | { readonly status: "rejected" | "expired" | "collected"; readonly request: ApprovalRequest }
  | { readonly status: "approved"; readonly request: ApprovalRequest; readonly credential: IssuedCredential };

/**
 * The agent polls its request. Once approved, the first poll (the one whose atomic `collect` wins) gets the
 * credential — minted then, so its TTL starts then — and every later poll
 * `collected`. Minting follows issuance's fail-closed order: store the live
 * state, record `issued`, only then hand it out; on failure the request goes
 * back to approved, so a retry can still collect it.
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
  try {
    return { status: "approved", request, credential: await mint(services, request, now, call) };
  } catch (error) {
    await services.approvals.release(id).catch(() => undefined);
    throw error;
  }
}

async function mint(services: ApprovalServices, r: ApprovalRequest, now: number, call: CallContext): Promise<IssuedCredential> {
  const status = services.suspensions ? await services.suspensions.status(r.agent) : { suspended: false };
  if (status.suspended) throw new LocksmithError("permission_denied", `agent ${r.agent} is suspended by an admin`, { reason: "agent_suspended" });
  const minted = await mintCredential(services.keys, {
    issuer: services.issuer,
    agent: r.agent,
    environment: r.environment,
    audience: r.audience,
    scope: r.scope,
    resource: r.resource,
    ttl: r.ttl,
    nowSeconds: epochSeconds(services.clock),
  });
  await services.tokens.put(minted.jti, { agent: r.agent, scope: r.scope, resource: r.resource, usesLeft: r.maxUses ?? null }, r.ttl * 1000);
  try {
    await services.audit.append(
      approvalEvent(r, undefined, now, call, { type: "issued", decision: "allow", jti: minted.jti, detail: { ttl: r.ttl, max_uses: r.maxUses ?? null, approvals: r.approvals.map((a) => a.subject).join(" ") } }),
    );
  } catch (error) {
    await services.tokens.remove(minted.jti).catch(() => undefined);
    throw error;
  }
  return { kind: "issued", credential: minted.token, jti: minted.jti, scope: r.scope, resource: r.resource, audience: r.audience, expiresAt: minted.expiresAt, expiresIn: r.ttl, maxUses: r.maxUses };
}
