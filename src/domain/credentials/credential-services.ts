import type { CircuitBreaker } from "../agents/circuit-breaker";
import type { SuspensionStore } from "../agents/suspension-store";
import type { ApprovalStore } from "../approvals/approval-store";
import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import type { KeyRing } from "../keys/key-ring";
import type { PolicySource } from "../policy/policy-source";
import type { RevocationFeed } from "../revocations/revocation-feed";
import type { StepTracer } from "../steps";
import type { GrantStore } from "../oauth/grant-store";
import type { UpstreamHooks } from "../upstreams/upstream-hooks";
import type { RequestGate } from "./request-gate";
import type { TokenStore } from "./token-store";

/**
 * What the credential use cases need; built once by the composition root.
 * Every part is required: unit tests build it on the memory twins
 * (`src/stores/memory/*`), never on a missing store.
 */
export interface CredentialServices {
  readonly issuer: string;
  readonly policy: PolicySource;
  readonly keys: KeyRing;
  readonly tokens: TokenStore;
  /** The hot path's one store call: a request's replay marker, limits, suspension, breaker and credential state at once. */
  readonly gate: RequestGate;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Where revocations are announced to offline verifiers. */
  readonly revocations: RevocationFeed;
  /** Suspended agents (by an admin or the circuit breaker). */
  readonly suspensions: SuspensionStore;
  /** Suspends runaway agents (the bundle's `circuit_breaker`); counts nothing when the bundle has none. */
  readonly breaker: CircuitBreaker;
  /** Where requests that need approval wait. */
  readonly approvals: ApprovalStore;
  /** How long such a request may wait (LOCKSMITH_APPROVAL_TIMEOUT). */
  readonly approvalTimeoutMs: number;
  /** Traces the steps that are not store calls (verify, decide, sign). */
  readonly steps: StepTracer;
  /** People's grants to MCP clients (refresh-token families), revoked by the kill switch too; absent where no person signs in (unit tests of other steps). */
  readonly grants?: GrantStore;
  /** Upstream side effects around hand-out and revocation (a database role per credential). */
  readonly upstreams: UpstreamHooks;
}
