import type { CircuitBreaker } from "../agents/circuit-breaker";
import type { SuspensionStore } from "../agents/suspension-store";
import type { ApprovalStore } from "../approvals/approval-store";
import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import type { KeyRing } from "../keys/key-ring";
import type { PolicySource } from "../policy/policy-source";
import type { RevocationFeed } from "../revocations/revocation-feed";
import type { UpstreamHooks } from "../upstreams/upstream-hooks";
import type { TokenStore } from "./token-store";

/** What the credential use cases need; built once by the composition root. */
export interface CredentialServices {
  readonly issuer: string;
  readonly policy: PolicySource;
  readonly keys: KeyRing;
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Where revocations are announced to offline verifiers; absent, they only reach redemption. */
  readonly revocations?: RevocationFeed;
  /** Suspended agents; absent means none can be suspended (unit tests of other steps). */
  readonly suspensions?: SuspensionStore;
  /** Suspends runaway agents (the bundle's `circuit_breaker`); absent, nothing is counted. */
  readonly breaker?: CircuitBreaker;
  /** Where requests that need approval wait; absent, a 202 has nothing behind it (unit tests). */
  readonly approvals?: ApprovalStore;
  /** How long such a request may wait. */
  readonly approvalTimeoutMs?: number;
  /** Upstream side effects of hand-out and revocation (database roles); absent, credentials for an upstream that needs one are refused. */
  readonly upstreams?: UpstreamHooks;
}

/** Where a call came from, for the ledger. */
export interface CallContext {
  readonly requestId: string;
  readonly clientIp?: string;
  /** W3C trace id of the request, when the caller sent `traceparent`. */
  readonly traceId?: string;
}
