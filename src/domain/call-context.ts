import type { AuditEvent } from "./audit/audit-event";
import type { DeferredChecks } from "./identity/deferred-checks";

/**
 * The envelope of one call: where it came from, for every ledger row it causes.
 * The HTTP layer builds it once per request (middleware `requestContext`) and
 * hands it to the use case; the domain never reads a request. A use case run by
 * the process itself (a policy file watch, the circuit breaker's own timer) has none.
 *
 * @example
 * const call: CallContext = { requestId: "3f1c…", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", clientIp: "10.0.0.7" };
 * await audit.append({ type: "revoked", occurredAt, decision: "allow", ...ledgerEnvelope(call, policy.version) });
 */
export interface CallContext {
  /** The caller's sane `X-Request-Id`, or one made up for the request; echoed in the answer. */
  readonly requestId: string;
  /** W3C trace id (32 hex) of the caller's `traceparent`, when it sent a valid one. */
  readonly traceId?: string;
  /** The caller's address as the HTTP layer sees it (after `trust proxy`). */
  readonly clientIp?: string;
  /**
   * A hot-path request's replay marker and rate-limit counts, not made yet: the
   * use case makes them in its one store call (`RequestGate`), or settles them
   * before it ends the request any other way.
   */
  readonly checks?: DeferredChecks;
}

/** The fields of a ledger event that say which call made it (and, when given, which policy version decided it). */
export type LedgerEnvelope = Pick<AuditEvent, "requestId" | "traceId" | "clientIp" | "policyVersion">;

/** The one way a call becomes a ledger event's envelope: every row of a request carries the same ids. */
export function ledgerEnvelope(call: CallContext | undefined, policyVersion?: string): LedgerEnvelope {
  return {
    ...(policyVersion === undefined ? {} : { policyVersion }),
    requestId: call?.requestId,
    traceId: call?.traceId,
    clientIp: call?.clientIp,
  };
}
