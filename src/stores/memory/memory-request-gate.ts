import { revokedBySuspension } from "../../domain/agents/suspension-store";
import type { Admission, AdmissionResult, CallerChecks, Redemption, RedemptionResult, RequestGate } from "../../domain/credentials/request-gate";
import type { MemoryReplayGuard } from "./memory-replay-guard";
import type { MemorySuspensionStore } from "./memory-suspension-store";
import type { MemoryTokenStore } from "./memory-token-store";
import type { MemoryWindowCounter } from "./memory-window-counter";

/**
 * The memory twin of the hot path's one store call: the same steps on the
 * memory stores' own maps, run to completion without yielding, so the whole
 * request is atomic on the event loop as the Redis script is in Redis.
 */
export class MemoryRequestGate implements RequestGate {
  constructor(
    private readonly stores: { replay: MemoryReplayGuard; counter: MemoryWindowCounter; suspensions: MemorySuspensionStore; tokens: MemoryTokenStore },
  ) {}

  async admit(admission: Admission): Promise<AdmissionResult> {
    const refused = this.callerChecks(admission);
    if (refused) return refused;
    if (admission.suspendedAgent !== undefined && this.stores.suspensions.statusNow(admission.suspendedAgent).suspended)
      return { ok: false, failed: "suspended" };
    const trips = (count: { key: string; windowMs: number; max: number }) => this.stores.counter.hitNow(count.key, count.windowMs).count === count.max + 1;
    if (admission.destructive && trips(admission.destructive)) return { ok: false, failed: "tripped" };
    const denialTripped = admission.denial ? trips(admission.denial) : false;
    // put runs to completion synchronously (no await inside), like putNow, and stays observable as TokenStore.put.
    if (admission.credential) void this.stores.tokens.put(admission.credential.jti, admission.credential.state, admission.credential.ttlMs);
    return { ok: true, denialTripped };
  }

  async redeem(redemption: Redemption): Promise<RedemptionResult> {
    const refused = this.callerChecks(redemption);
    if (refused)
      return refused.failed === "replay"
        ? { ok: false, reason: "replay" }
        : { ok: false, reason: "rate_limited", which: refused.which, resetInMs: refused.resetInMs };
    if (revokedBySuspension(this.stores.suspensions.statusNow(redemption.agent), redemption.issuedAtMs)) return { ok: false, reason: "agent_suspended" };
    return this.stores.tokens.spendNow(redemption.jti);
  }

  private callerChecks(
    checks: CallerChecks,
  ): { ok: false; failed: "replay" } | { ok: false; failed: "rate_limited"; which: string; resetInMs: number } | undefined {
    if (checks.replay && !this.stores.replay.firstUseNow(checks.replay.key, checks.replay.ttlMs)) return { ok: false, failed: "replay" };
    for (const limit of checks.limits ?? []) {
      const { count, resetInMs } = this.stores.counter.hitNow(limit.key, limit.windowMs);
      if (count > limit.max) return { ok: false, failed: "rate_limited", which: limit.which, resetInMs };
    }
    return undefined;
  }
}
