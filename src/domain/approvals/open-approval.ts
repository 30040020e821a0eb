import type { Grant } from "../policy/decision";
import type { ApprovalRequest } from "./approval-request";

/** What an allowed-but-gated request becomes while it waits for people. */
export function newApprovalRequest(input: {
  id: string;
  agent: string;
  environment: string;
  user?: string;
  scope: string;
  resource: string;
  purpose?: string;
  decision: Grant;
  policyVersion: string;
  nowMs: number;
  timeoutMs: number;
}): ApprovalRequest {
  const { decision } = input;
  return {
    id: input.id,
    agent: input.agent,
    environment: input.environment,
    ...(input.user === undefined ? {} : { user: input.user }),
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
