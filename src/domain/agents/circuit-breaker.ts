import { ledgerEnvelope, type CallContext } from "../call-context";
import type { WindowCounter } from "../limits/window-counter";
import type { AgentPolicy, Policy } from "../policy/policy";
import { matchesAny } from "../policy/glob";
import { suspensionNotice, type SuspensionServices } from "./suspend-agent";

/** Which threshold an agent crossed. */
export type BreakerCause = "denials" | "destructive_requests";

/**
 * The circuit breaker of the bundle's `circuit_breaker` section: counts an
 * agent's denials and destructive-scope requests in fixed windows of the
 * shared WindowCounter, and suspends the agent through the admins' suspension
 * store when a count crosses its threshold.
 *
 * It trips on the hit that makes the count exactly `max + 1`: the counter is
 * atomic across replicas, so exactly one request trips it per window and the
 * ledger gets one `circuit_breaker_tripped` event. After an admin resumes the
 * agent, the rest of that window does not trip it again; the next window
 * counts afresh.
 */
export class CircuitBreaker {
  constructor(
    private readonly counter: WindowCounter,
    private readonly suspension: SuspensionServices,
  ) {}

  /** Counts a request naming a destructive scope; true when it tripped the breaker (the caller refuses it). */
  async countDestructive(policy: Policy, agent: AgentPolicy, scopes: readonly string[], call: CallContext): Promise<boolean> {
    const breaker = policy.circuitBreaker;
    if (breaker?.maxDestructiveRequests === undefined) return false;
    if (!scopes.some((scope) => matchesAny(breaker.destructiveScopes, scope))) return false;
    return this.count(policy, agent, "destructive_requests", breaker.maxDestructiveRequests, call);
  }

  /** Counts a denial by policy; true when it tripped the breaker. */
  async countDenial(policy: Policy, agent: AgentPolicy, call: CallContext): Promise<boolean> {
    const max = policy.circuitBreaker?.maxDenials;
    if (max === undefined) return false;
    return this.count(policy, agent, "denials", max, call);
  }

  private async count(policy: Policy, agent: AgentPolicy, cause: BreakerCause, max: number, call: CallContext): Promise<boolean> {
    const breaker = policy.circuitBreaker!;
    const { count } = await this.counter.hit(`cb:${cause}:${agent.id}`, breaker.windowSeconds * 1000);
    if (count !== max + 1) return false;
    await this.trip(policy, agent, cause, max, call);
    return true;
  }

  /**
   * Suspends first, then records, then announces to offline verifiers: a failed record leaves the agent
   * suspended (fail closed). A trip happens once per window and cause, so announcing each is bounded.
   */
  private async trip(policy: Policy, agent: AgentPolicy, cause: BreakerCause, max: number, call: CallContext): Promise<void> {
    const { suspensions, audit, clock } = this.suspension;
    const breaker = policy.circuitBreaker!;
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
