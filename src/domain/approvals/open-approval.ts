import type { Delegation } from "../identity/verify-user-token";
import type { Grant } from "../policy/decision";
import type { ApprovalRequest } from "./approval-request";

/** What an allowed-but-gated request becomes while it waits for people: with its delegation, so collection can mint what direct issuance would. */
export function newApprovalRequest(input: {
  id: string;
  agent: string;
  environment: string;
  delegation?: Delegation;
  scope: string;
  resource: string;
  purpose?: string;
  decision: Grant;
  policyVersion: string;
  nowMs: number;
  timeoutMs: number;
}): ApprovalRequest {
  const { decision, delegation } = input;
  return {
    id: input.id,
    agent: input.agent,
    environment: input.environment,
    ...(delegation === undefined
      ? {}
      : { user: delegation.user, identityProvider: delegation.identityProvider, ...(delegation.act === undefined ? {} : { act: delegation.act }) }),
    scope: input.scope,
    resource: input.resource,
    audience: decision.resourceServer.audience,
    ttl: decision.ttl,
    ...(decision.maxUses === undefined ? {} : { maxUses: decision.maxUses }),
    rule: decision.rule,
    approvers: [...decision.approval!.approvers],
    count: decision.approval!.count,
    policyVersion: input.policyVersion,
    ...(input.purpose === undefined ? {} : { purpose: input.purpose }),
    createdAt: input.nowMs,
    expiresAt: input.nowMs + input.timeoutMs,
    status: "pending",
    approvals: [],
  };
}
