import { randomUUID } from "node:crypto";
import { APPROVAL_KEEP_MS } from "../approvals/approval-store";
import { newApprovalRequest } from "../approvals/open-approval";
import type { AuditEvent } from "../audit/audit-event";
import { ledgerEnvelope, type CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import { verifyUserToken, type Delegation } from "../identity/verify-user-token";
import { checkCanonicalRequest } from "../policy/canonical-request";
import { decide } from "../policy/decide";
import type { CredentialRequest, Decision, Deny } from "../policy/decision";
import type { Principal } from "../policy/policy";
import type { CredentialServices } from "./credential-services";
import { handOutChecked } from "./hand-out-credential";
import type { AdmissionResult } from "./request-gate";
import { callerRefusal } from "../identity/deferred-checks";
import type { IssuedCredential } from "./issued-credential";

export type { IssuedCredential } from "./issued-credential";

/**
 * A credential request as an agent sends it; `onBehalfOf` is a user token from a trusted identity provider.
 * `person` is a person Locksmith signed in itself (authorization code and refresh grants): already
 * verified, decided exactly like a user token's holder.
 * `mayOpenApproval: false` (an endpoint that cannot answer 202) refuses a gated grant instead of opening a request.
 */
export type IssueRequest = Omit<CredentialRequest, "user"> & { readonly onBehalfOf?: string; readonly person?: Delegation; readonly mayOpenApproval?: boolean };

export type IssueOutcome =
  | IssuedCredential
  | { readonly kind: "pending_approval"; readonly requestId: string }
  | ({ readonly kind: "denied" } & Omit<Deny, "outcome">);

/**
 * The issuance story: (verify the user token) → decide (in CPU) → the
 * request's one store call (`RequestGate`: replay marker, rate limits,
 * suspension, breaker counts, and, when allowed, the credential's state inside
 * `handOutChecked`: mint, store, record, fail closed) → (record the denial)
 * → (open an approval request). The OAuth grants come through here too.
 */
export async function issueCredential(services: CredentialServices, agent: Principal, request: IssueRequest, call: CallContext): Promise<IssueOutcome> {
  checkCanonicalRequest(request); // before anything is counted, decided or recorded: one string, one resource
  const policy = services.policy.current();
  const agentPolicy = policy.agents.get(agent.id);
  if (!agentPolicy) throw new Error(`authenticated agent ${agent.id} is missing from policy ${policy.version}`);
  const scope = request.scopes.join(" ");
  const purpose: Record<string, string> = request.purpose === undefined ? {} : { purpose: request.purpose };
  let delegation: Delegation | undefined = request.person;
  const delegationDetail = (): Record<string, string> => (delegation ? { identity_provider: delegation.identityProvider } : {});
  const record = (event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>) =>
    services.audit.append({
      occurredAt: new Date(services.clock.now()),
      environment: agentPolicy.environment,
      agent: agent.id,
      ...(delegation ? { user: delegation.user } : {}),
      scope,
      resource: request.resource,
      ...ledgerEnvelope(call, policy.version),
      ...event,
      detail: { ...event.detail, ...purpose, ...delegationDetail() },
    });

  if (request.onBehalfOf !== undefined && delegation === undefined) {
    try {
      delegation = await services.steps.run("verify", () => verifyUserToken(request.onBehalfOf!, policy, services.clock));
    } catch (error) {
      await call.checks?.settle(); // the replay marker and rate limits come before any ledger row, as they did up front
      // A refused user token is a decision a security team wants to see; an unreachable IdP is a fault (503), not a decision.
      if (error instanceof LocksmithError && error.code === "invalid_token") {
        await record({ type: "denied", decision: "deny", reason: "invalid_user_token", detail: { error: error.description } });
      }
      throw error;
    }
  }
  const user = delegation ? { id: delegation.user, entitlements: delegation.entitlements } : undefined;
  // Decided in CPU first; the request's one store call then makes every check in order and stores the credential if allowed.
  const decision: Decision = await services.steps.run("decide", () => decide(policy, agentPolicy, { ...request, user }));
  const checks = {
    ...call.checks?.take(),
    suspendedAgent: agent.id,
    ...services.breaker.counts(policy, agentPolicy, request.scopes, decision.outcome === "deny"),
  };
  let admitted: AdmissionResult;
  if (decision.outcome === "allow") {
    const handedOut = await handOutChecked(
      services,
      {
        agent: agent.id,
        environment: agentPolicy.environment,
        user: delegation?.user,
        act: delegation?.act,
        audience: decision.resourceServer.audience,
        scope,
        resource: request.resource,
        ttl: decision.ttl,
        maxUses: decision.maxUses,
        rule: decision.rule,
        policyVersion: policy.version,
        detail: { ...purpose, ...delegationDetail() },
        signingAlg: decision.resourceServer.signingAlg,
        upstream: decision.resourceServer.upstream,
      },
      call,
      checks,
    );
    if (handedOut.kind !== "refused") return handedOut;
    admitted = handedOut.refusal;
  } else {
    admitted = await services.gate.admit(checks);
  }

  if (!admitted.ok && (admitted.failed === "replay" || admitted.failed === "rate_limited")) throw callerRefusal(admitted);
  if (!admitted.ok) {
    // The destructive request that trips the circuit breaker is refused with the suspension it caused.
    if (admitted.failed === "tripped") await services.breaker.trip(policy, agentPolicy, "destructive_requests", call);
    const description = `agent ${agent.id} is suspended (by an admin or the circuit breaker)`;
    await record({ type: "denied", decision: "deny", reason: "agent_suspended" });
    return { kind: "denied", reason: "agent_suspended", description };
  }
  if (decision.outcome === "deny") {
    await record({ type: "denied", decision: "deny", reason: decision.reason, rule: decision.rule });
    if (admitted.denialTripped) await services.breaker.trip(policy, agentPolicy, "denials", call);
    return { kind: "denied", reason: decision.reason, rule: decision.rule, description: decision.description };
  }
  const audience = decision.resourceServer.audience;
  if (decision.outcome === "pending_approval" && request.mayOpenApproval === false) {
    // Invalid requests open nothing: the refusal is recorded as a denial, no approval request waits behind it.
    const description = "this grant needs approval by people: ask through POST /v1/credentials, which opens the request";
    await record({ type: "denied", decision: "deny", reason: "approval_required", audience, rule: decision.rule });
    return { kind: "denied", reason: "approval_required", rule: decision.rule, description };
  }
  // Only a pending approval is left: an allowed request was handed out (or refused) above.
  const requestId = randomUUID();
  const waiting = newApprovalRequest({
    id: requestId,
    agent: agent.id,
    environment: agentPolicy.environment,
    delegation,
    scope,
    resource: request.resource,
    purpose: request.purpose,
    decision,
    policyVersion: policy.version,
    nowMs: services.clock.now(),
    timeoutMs: services.approvalTimeoutMs,
  });
  await services.approvals.create(waiting, APPROVAL_KEEP_MS);
  await record({ type: "pending_approval", decision: "pending", audience, rule: decision.rule, detail: { approval_request: requestId } });
  return { kind: "pending_approval", requestId };
}
