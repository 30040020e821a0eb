import { ledgerEnvelope, type CallContext } from "../call-context";
import type { BreakerCount } from "../credentials/request-gate";
import type { AgentPolicy, Policy } from "../policy/policy";
import { matchesAny } from "../policy/glob";
import { suspensionNotice, type SuspensionServices } from "./suspend-agent";

/** Which threshold an agent crossed. */
export type BreakerCause = "denials" | "destructive_requests";

/**
 * The circuit breaker of the bundle's `circuit_breaker` section: counts an
 * agent's denials and destructive-scope requests in fixed windows (WindowCounter
 * semantics, made by the request's one store call), and suspends the agent through the admins' suspension
 * store when a count crosses its threshold.
 *
 * It trips on the hit that makes the count exactly `max + 1`: the counter is
 * atomic across replicas, so exactly one request trips it per window and the
 * ledger gets one `circuit_breaker_tripped` event. After an admin resumes the
 * agent, the rest of that window does not trip it again; the next window
 * counts afresh.
 */
export class CircuitBreaker {
  constructor(private readonly suspension: SuspensionServices) {}

  /**
   * What one credential request counts (made by the request's one store call, `RequestGate`):
   * a request naming a destructive scope, and a denial by policy when `denied`.
   * Keys carry the agent as the Redis Cluster hash tag, next to its suspension.
   */
  counts(policy: Policy, agent: AgentPolicy, scopes: readonly string[], denied: boolean): { destructive?: BreakerCount; denial?: BreakerCount } {
    const breaker = policy.circuitBreaker;
    if (!breaker) return {};
    const count = (cause: BreakerCause, max: number): BreakerCount => ({ key: `cb:${cause}:{${agent.id}}`, windowMs: breaker.windowSeconds * 1000, max });
    const destructive =
      breaker.maxDestructiveRequests !== undefined && scopes.some((scope) => matchesAny(breaker.destructiveScopes, scope))
        ? count("destructive_requests", breaker.maxDestructiveRequests)
        : undefined;
    const denial = denied && breaker.maxDenials !== undefined ? count("denials", breaker.maxDenials) : undefined;
    return { ...(destructive ? { destructive } : {}), ...(denial ? { denial } : {}) };
  }

  /**
   * Suspends first, then records, then announces to offline verifiers: a failed record leaves the agent
   * suspended (fail closed). A trip happens once per window and cause, so announcing each is bounded.
   */
  async trip(policy: Policy, agent: AgentPolicy, cause: BreakerCause, call: CallContext): Promise<void> {
    const { suspensions, audit, clock } = this.suspension;
    const breaker = policy.circuitBreaker!;
    const max = (cause === "denials" ? breaker.maxDenials : breaker.maxDestructiveRequests)!;
    const now = clock.now();
    const forMs = breaker.suspendForSeconds === undefined ? undefined : breaker.suspendForSeconds * 1000;
    const changed = await suspensions.suspend(agent.id, now, forMs);
    await audit.append({
      type: "circuit_breaker_tripped",
      occurredAt: new Date(now),
      decision: "deny",
      environment: agent.environment,
      agent: agent.id,
      actor: "circuit_breaker",
      reason: cause,
      ...ledgerEnvelope(call, policy.version),
      detail: {
        threshold: max,
        window_seconds: breaker.windowSeconds,
        suspend_for_seconds: breaker.suspendForSeconds ?? null,
        already_suspended: !changed,
      },
    });
    await this.suspension.revocations.publish(suspensionNotice(agent.id, agent.environment, now, forMs));
    await this.suspension.upstreams?.revoked({ kind: "agent", id: agent.id }, call);
  }
}
