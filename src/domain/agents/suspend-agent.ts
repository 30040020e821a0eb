import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import { ledgerEnvelope, type CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import type { PolicySource } from "../policy/policy-source";
import type { Revocation } from "../revocations/revocation";
import type { RevocationFeed } from "../revocations/revocation-feed";
import type { SuspensionStore } from "./suspension-store";
import type { UpstreamHooks } from "../upstreams/upstream-hooks";

export interface SuspensionServices {
  readonly policy: PolicySource;
  readonly suspensions: SuspensionStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Where suspensions are announced to offline verifiers, like revocations. */
  readonly revocations: RevocationFeed;
  /** Upstream side effects: a suspended agent's database roles are dropped (their sessions ended) at once. */
  readonly upstreams?: Pick<UpstreamHooks, "revoked">;
}

/**
 * A suspension as offline verifiers hear it: every credential of the agent issued up to now (this
 * second included) is revoked, and, while `suspended`, any other too; `until` when it ends by itself.
 */
export function suspensionNotice(agent: string, environment: string, atMs: number, forMs?: number): Revocation {
  const until = forMs === undefined ? {} : { until: Math.ceil((atMs + forMs) / 1000) };
  return { agent, environment, before: Math.floor(atMs / 1000) + 1, suspended: true, ...until };
}

/**
 * An admin suspends an agent: every new request of it is denied and every
 * credential it holds stops redeeming at once (its database roles are
 * dropped). Resuming lifts the first, not
 * the second. Both are recorded; the suspension is stored before it is
 * recorded, so a failed record leaves the agent suspended (fail closed). Both
 * are announced on the revocation stream, on every call: only admins call
 * this, and a repeated call re-announces what a failed announcement lost.
 */
export async function setAgentSuspended(
  services: SuspensionServices,
  admin: string,
  agent: string,
  suspended: boolean,
  call: CallContext,
  reason?: string,
): Promise<{ changed: boolean }> {
  const policy = services.policy.current();
  const agentPolicy = policy.agents.get(agent);
  if (!agentPolicy) throw new LocksmithError("not_found", `no agent "${agent}" in policy ${policy.version}`);
  const now = services.clock.now();
  const changed = suspended ? await services.suspensions.suspend(agent, now) : await services.suspensions.resume(agent);
  await services.audit.append({
    type: suspended ? "agent_suspended" : "agent_resumed",
    occurredAt: new Date(now),
    decision: suspended ? "deny" : "allow",
    environment: agentPolicy.environment,
    agent,
    actor: admin,
    ...ledgerEnvelope(call, policy.version),
    ...(changed ? {} : { reason: suspended ? "already_suspended" : "not_suspended" }),
    detail: reason === undefined ? undefined : { purpose: reason },
  });
  const { environment } = agentPolicy;
  await services.revocations.publish(suspended ? suspensionNotice(agent, environment, now) : { agent, environment, resumed: true });
  // Its credentials stop redeeming at once; what they opened upstream ends at once too.
  if (suspended) await services.upstreams?.revoked({ kind: "agent", id: agent }, call);
  return { changed };
}
