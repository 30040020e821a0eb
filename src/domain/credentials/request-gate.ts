import type { CredentialState, SpendResult } from "./token-store";

/** A fixed-window count (WindowCounter semantics) that refuses once it exceeds `max`: a rate limit. */
export interface LimitCheck {
  readonly key: string;
  readonly windowMs: number;
  readonly max: number;
  /** Which limit, for the 429's text: `agent` or `environment`. */
  readonly which: string;
}

/** A circuit-breaker count (WindowCounter semantics): the hit that makes it exactly `max + 1` trips it. */
export interface BreakerCount {
  readonly key: string;
  readonly windowMs: number;
  readonly max: number;
}

/** An assertion id to accept once (ReplayGuard semantics). */
export interface ReplayMark {
  readonly key: string;
  readonly ttlMs: number;
}

/** What comes before any request's own checks: its assertion's replay marker, then its rate limits. */
export interface CallerChecks {
  readonly replay?: ReplayMark;
  readonly limits?: readonly LimitCheck[];
}

/**
 * Everything a credential request touches in the shared store, made in this
 * order and stopped at the first refusal: the assertion's replay marker →
 * the rate limits → the agent's suspension → the destructive-request count
 * (its trip refuses) → the denial count (its trip is reported, the denial
 * stands anyway) → the credential's state and subject indexes.
 */
export interface Admission extends CallerChecks {
  /** Refused while this agent is suspended. */
  readonly suspendedAgent?: string;
  readonly destructive?: BreakerCount;
  readonly denial?: BreakerCount;
  /** Stored (TokenStore.put semantics) only when every check passed. */
  readonly credential?: { readonly jti: string; readonly state: Omit<CredentialState, "revoked">; readonly ttlMs: number };
}

export type AdmissionResult =
  | { readonly ok: true; readonly denialTripped: boolean }
  | { readonly ok: false; readonly failed: "replay" | "suspended" | "tripped" }
  | { readonly ok: false; readonly failed: "rate_limited"; readonly which: string; readonly resetInMs: number };

/** Everything a redemption touches: replay marker → rate limits → the agent's suspension (by issue time) → spend one use. */
export interface Redemption extends CallerChecks {
  readonly agent: string;
  readonly issuedAtMs: number;
  readonly jti: string;
}

export type RedemptionResult =
  | SpendResult
  | { readonly ok: false; readonly reason: "replay" | "agent_suspended" }
  | { readonly ok: false; readonly reason: "rate_limited"; readonly which: string; readonly resetInMs: number };

/**
 * The hot path's one store operation (issue 16): the checks and writes of one
 * credential request or redemption, made atomically in ONE round trip (one Lua
 * script on Redis; one synchronous run on the event loop in memory). It shares
 * its keys and their meaning with ReplayGuard, WindowCounter, SuspensionStore
 * and TokenStore, so an admin's suspension or a kill switch through those is
 * seen here at once, and the reverse.
 *
 * It decides nothing: the policy's decision is made before, in CPU, and tells
 * the gate what to count and whether to store. Throws StoreUnavailableError on
 * any store fault; callers fail closed.
 */
export interface RequestGate {
  admit(admission: Admission): Promise<AdmissionResult>;
  redeem(redemption: Redemption): Promise<RedemptionResult>;
}
