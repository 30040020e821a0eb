import type { AuditEvent } from "../domain/audit/audit-event";
import type { AuditLog } from "../domain/audit/audit-log";
import type { CredentialState, RevokeResult, SpendResult, TokenStore, CredentialSubject } from "../domain/credentials/token-store";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { Admission, AdmissionResult, Redemption, RedemptionResult, RequestGate } from "../domain/credentials/request-gate";
import type { LocksmithMetrics } from "./metrics";
import { inSpan } from "./span";

/**
 * The ledger, counted and traced: every event that becomes durable is counted
 * by type (so the credential counters agree with the ledger, never with an
 * attempt that failed), the time to durability is the audit append lag, a
 * failed append is a store error, and each append is a `locksmith.record` span.
 */
export class MeteredAuditLog implements AuditLog {
  constructor(
    private readonly inner: AuditLog,
    private readonly metrics: LocksmithMetrics,
  ) {}

  append(event: AuditEvent): Promise<void> {
    return inSpan("record", async () => {
      const started = performance.now();
      await count(this.metrics, "postgres", "append", () => this.inner.append(event));
      this.metrics.auditAppended((performance.now() - started) / 1000);
      this.metrics.recorded(event);
    });
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

/** The token store, each call a `locksmith.store` span, with its failures counted as store errors. */
export class MeteredTokenStore implements TokenStore {
  constructor(
    private readonly inner: TokenStore,
    private readonly metrics: LocksmithMetrics,
  ) {}

  put(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): Promise<void> {
    return stored(this.metrics, "put", () => this.inner.put(jti, state, ttlMs));
  }

  get(jti: string): Promise<CredentialState | undefined> {
    return stored(this.metrics, "get", () => this.inner.get(jti));
  }

  spend(jti: string): Promise<SpendResult> {
    return stored(this.metrics, "spend", () => this.inner.spend(jti));
  }

  revoke(jti: string, holder?: string): Promise<RevokeResult> {
    return stored(this.metrics, "revoke", () => this.inner.revoke(jti, holder));
  }

  markAnnounced(jti: string): Promise<void> {
    return stored(this.metrics, "mark_announced", () => this.inner.markAnnounced(jti));
  }

  revokeSubject(subject: CredentialSubject, atMs: number): Promise<number> {
    return stored(this.metrics, "revoke_subject", () => this.inner.revokeSubject(subject, atMs));
  }

  lastRevocation(subjects: readonly CredentialSubject[]): Promise<number | undefined> {
    return stored(this.metrics, "last_revocation", () => this.inner.lastRevocation(subjects));
  }

  remove(jti: string): Promise<void> {
    return stored(this.metrics, "remove", () => this.inner.remove(jti));
  }
}

/** The replay guard, with its failures counted as store errors. */
/** The hot path's one store call, counted and traced: one `locksmith.store` span per issuance or redemption. */
export class MeteredRequestGate implements RequestGate {
  constructor(
    private readonly inner: RequestGate,
    private readonly metrics: LocksmithMetrics,
  ) {}

  admit(admission: Admission): Promise<AdmissionResult> {
    return stored(this.metrics, "admit", () => this.inner.admit(admission));
  }

  redeem(redemption: Redemption): Promise<RedemptionResult> {
    return stored(this.metrics, "redeem", () => this.inner.redeem(redemption));
  }
}

export class MeteredReplayGuard implements ReplayGuard {
  constructor(
    private readonly inner: ReplayGuard,
    private readonly metrics: LocksmithMetrics,
  ) {}

  firstUse(key: string, ttlMs: number): Promise<boolean> {
    return count(this.metrics, "redis", "replay_check", () => this.inner.firstUse(key, ttlMs));
  }
}

const stored = <T>(metrics: LocksmithMetrics, operation: string, work: () => Promise<T>): Promise<T> =>
  inSpan("store", () => count(metrics, "redis", operation, work));

async function count<T>(metrics: LocksmithMetrics, store: "redis" | "postgres", operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    metrics.storeError(store, operation);
    throw error;
  }
}
