import { randomUUID } from "node:crypto";
import { inSpan } from "../../telemetry/span";
import { APPROVAL_KEEP_MS, DEFAULT_APPROVAL_TIMEOUT_MS } from "../approvals/approval-services";
import { newApprovalRequest } from "../approvals/open-approval";
import type { AuditEvent } from "../audit/audit-event";
import { epochSeconds } from "../clock";
import { LocksmithError } from "../errors";
import { verifyUserToken, type Delegation } from "../identity/verify-user-token";
import { decide } from "../policy/decide";
import type { CredentialRequest, Decision, Deny, Grant } from "../policy/decision";
import type { Policy, Principal } from "../policy/policy";
import type { CallContext, CredentialServices } from "./credential-services";
import { mintCredential } from "./mint-credential";
import type { DatabaseLogin, ProvisionInput, Provisioned } from "../upstreams/upstream-hooks";

export interface IssuedCredential {
  readonly kind: "issued";
  /** The person the credential acts for, when delegated. */
  readonly user?: string;
  readonly credential: string;
  readonly jti: string;
  readonly scope: string;
  readonly resource: string;
  readonly audience: string;
  readonly expiresAt: number;
  readonly expiresIn: number;
  readonly maxUses?: number;
  /** For an upstream that needs one (kind `postgres`): the login made for this credential alone. */
  readonly upstream?: DatabaseLogin;
}

/** A credential request as an agent sends it; `onBehalfOf` is a user token from a trusted identity provider. */
export type IssueRequest = Omit<CredentialRequest, "user"> & { readonly onBehalfOf?: string };

export type IssueOutcome =
  | IssuedCredential
  | { readonly kind: "pending_approval"; readonly requestId: string }
  | ({ readonly kind: "denied" } & Omit<Deny, "outcome">);

/**
 * The issuance story: (verify the user token) → decide → (record the denial) → mint → store the live
 * state → record the issuance → hand it out. A credential leaves only after
 * both its Redis state and its audit record exist (fail closed): if the
 * record cannot be written, the state is removed and the caller gets 503.
 */
export async function issueCredential(
  services: CredentialServices,
  agent: Principal,
  request: IssueRequest,
  call: CallContext,
): Promise<IssueOutcome> {
  const policy = services.policy.current();
  const agentPolicy = policy.agents.get(agent.id);
  if (!agentPolicy) throw new Error(`authenticated agent ${agent.id} is missing from policy ${policy.version}`);
  const scope = request.scopes.join(" ");
  const purpose: Record<string, string> = request.purpose === undefined ? {} : { purpose: request.purpose };
  let delegation: Delegation | undefined;
  const record = (event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>) =>
    inSpan("record", () =>
      services.audit.append(
        auditBase(services, policy, agentPolicy.environment, agent.id, scope, request.resource, call, {
          ...(delegation ? { user: delegation.user } : {}),
          ...event,
          detail: { ...event.detail, ...purpose, ...(delegation ? { identity_provider: delegation.identityProvider } : {}) },
        }),
      ),
    );

  if (request.onBehalfOf !== undefined) {
    try {
      delegation = await inSpan("verify", () => verifyUserToken(request.onBehalfOf!, policy, services.clock));
    } catch (error) {
      // A refused user token is a decision a security team wants to see; an unreachable IdP is a fault (503), not a decision.
      if (error instanceof LocksmithError && error.code === "invalid_token") {
        await record({ type: "denied", decision: "deny", reason: "invalid_user_token", detail: { error: error.description } });
      }
      throw error;
    }
  }
  const user = delegation ? { id: delegation.user, entitlements: delegation.entitlements } : undefined;
  const suspended =
    (services.suspensions ? (await services.suspensions.status(agent.id)).suspended : false) ||
    // The destructive request that trips the circuit breaker is refused with the suspension it caused.
    ((await services.breaker?.countDestructive(policy, agentPolicy, request.scopes, call)) ?? false);
  const decision: Decision = suspended
    ? { outcome: "deny", reason: "agent_suspended", description: `agent ${agent.id} is suspended (by an admin or the circuit breaker)` }
    : await inSpan("decide", () => decide(policy, agentPolicy, { ...request, user }));

  if (decision.outcome === "deny") {
    await record({ type: "denied", decision: "deny", reason: decision.reason, rule: decision.rule });
    if (!suspended) await services.breaker?.countDenial(policy, agentPolicy, call);
    return { kind: "denied", reason: decision.reason, rule: decision.rule, description: decision.description };
  }
  const audience = decision.resourceServer.audience;
  if (decision.outcome === "pending_approval") {
    const requestId = randomUUID();
    if (services.approvals) {
      const waiting = newApprovalRequest({
        id: requestId, agent: agent.id, ...(delegation ? { user: delegation.user } : {}), environment: agentPolicy.environment, scope, resource: request.resource, purpose: request.purpose,
        decision, policyVersion: policy.version, nowMs: services.clock.now(), timeoutMs: services.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      });
      await inSpan("store", () => services.approvals!.create(waiting, APPROVAL_KEEP_MS));
    }
    await record({ type: "pending_approval", decision: "pending", audience, rule: decision.rule, detail: { approval_request: requestId } });
    return { kind: "pending_approval", requestId };
  }

  const nowSeconds = epochSeconds(services.clock);
  const minted = await inSpan("sign", () =>
    mintCredential(services.keys, {
      issuer: services.issuer,
      agent: agent.id,
      environment: agentPolicy.environment,
      audience,
      scope,
      resource: request.resource,
      ttl: decision.ttl,
      nowSeconds,
      user: delegation?.user,
      act: delegation?.act,
    }),
  );
  const state = {
    agent: agent.id,
    ...(delegation ? { user: delegation.user } : {}),
    environment: agentPolicy.environment,
    scope,
    resource: request.resource,
    usesLeft: decision.maxUses ?? null,
  };
  await inSpan("store", () => services.tokens.put(minted.jti, state, decision.ttl * 1000));
  let provisioned: Provisioned | undefined;
  try {
    // The upstream's side of the credential (a database role) exists before the credential is recorded and handed out.
    provisioned = await provisionUpstream(services, decision.resourceServer.upstream, { jti: minted.jti, agent: agent.id, user: delegation?.user, environment: agentPolicy.environment, scopes: request.scopes, resource: request.resource, expiresAt: minted.expiresAt });
    await record({ type: "issued", decision: "allow", audience, jti: minted.jti, rule: decision.rule, detail: { ttl: decision.ttl, max_uses: decision.maxUses ?? null, ...provisioned?.detail } });
  } catch (error) {
    await provisioned?.undo().catch(() => undefined);
    await services.tokens.remove(minted.jti).catch(() => undefined);
    throw error;
  }
  return {
    kind: "issued",
    ...(delegation ? { user: delegation.user } : {}),
    credential: minted.token,
    jti: minted.jti,
    scope,
    resource: request.resource,
    audience,
    expiresAt: minted.expiresAt,
    expiresIn: decision.ttl,
    maxUses: decision.maxUses,
    ...(provisioned ? { upstream: provisioned.handOut } : {}),
  };
}

function provisionUpstream(services: CredentialServices, upstream: Grant["resourceServer"]["upstream"], input: Omit<ProvisionInput, "upstream">): Promise<Provisioned | undefined> {
  if (!upstream) return Promise.resolve(undefined);
  if (!services.upstreams) throw new LocksmithError("server_error", `upstream ${upstream.id} cannot be served: no upstream support is wired`);
  return inSpan("provision", () => services.upstreams!.provision({ upstream, ...input }));
}

function auditBase(
  services: CredentialServices,
  policy: Policy,
  environment: string,
  agent: string,
  scope: string,
  resource: string,
  call: CallContext,
  event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>,
): AuditEvent {
  return {
    occurredAt: new Date(services.clock.now()),
    environment,
    agent,
    scope,
    resource,
    policyVersion: policy.version,
    requestId: call.requestId,
    traceId: call.traceId,
    clientIp: call.clientIp,
    ...event,
  };
}
