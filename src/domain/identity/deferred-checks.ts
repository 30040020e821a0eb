import type { CallerChecks, LimitCheck, ReplayMark, RequestGate } from "../credentials/request-gate";
import { invalidClient } from "../errors";
import { RateLimitedError } from "../limits/check-rate-limits";
import type { ReplayGuard } from "./replay-guard";

/** The text `authenticate` answers a replayed assertion with; the deferred check answers the same. */
export const REPLAYED_ASSERTION = "assertion already used: sign a new one with a fresh jti for every call";

/**
 * The caller checks of one hot-path request (issuance, redemption), kept until
 * the use case makes them in its one store call (`RequestGate`) instead of a
 * round trip each. `authenticate` records its replay marker here (`firstUse`
 * answers true and remembers the key); the rate-limit middleware adds its
 * limits. Whoever ends the request before the gate ran (a 400, a refused user
 * token, a revoked credential) must `settle` first: the checks are then made
 * on their own, and their refusal wins, so every answer and ledger row is the
 * one the request got when they were made up front.
 */
export class DeferredChecks implements ReplayGuard {
  private replay?: ReplayMark;
  private readonly limits: LimitCheck[] = [];
  private taken = false;

  constructor(private readonly gate: RequestGate) {}

  async firstUse(key: string, ttlMs: number): Promise<boolean> {
    if (this.replay || this.taken) return false; // one assertion per request; anything else is a bug, refused
    this.replay = { key, ttlMs };
    return true;
  }

  addLimits(limits: readonly LimitCheck[]): void {
    if (this.taken) throw new Error("rate limits added after the caller checks were made");
    this.limits.push(...limits);
  }

  /** Hands the checks to the one gate call that makes them; afterwards there is nothing left to settle. */
  take(): CallerChecks {
    this.taken = true;
    return { replay: this.replay, limits: this.limits };
  }

  /** Makes the checks now if nobody took them; throws the caller's refusal (401 replay, 429) when one fails. */
  async settle(): Promise<void> {
    if (this.taken) return;
    const checks = this.take();
    if (!checks.replay && checks.limits?.length === 0) return;
    const result = await this.gate.admit(checks);
    if (!result.ok) throw callerRefusal(result);
  }
}

/** The error a refused caller check answers with, exactly as when it was made up front. */
export function callerRefusal(result: { failed: string; which?: string; resetInMs?: number } | { reason: string; which?: string; resetInMs?: number }): Error {
  const what = "failed" in result ? result.failed : result.reason;
  if (what === "replay") return invalidClient(REPLAYED_ASSERTION);
  if (what === "rate_limited") return new RateLimitedError(Math.max(1, Math.ceil((result.resetInMs ?? 1000) / 1000)), result.which ?? "agent");
  return new Error(`not a caller refusal: ${what}`);
}
