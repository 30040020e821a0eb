import type { AuditEvent, StoredAuditEvent } from "../domain/audit/audit-event";
import type { AuditLog, AuditQuery } from "../domain/audit/audit-log";
import type { CredentialState, RevokeResult, SpendResult, TokenStore, CredentialSubject } from "../domain/credentials/token-store";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { LocksmithMetrics } from "./metrics";

/**
 * The ledger, counted: every event that becomes durable is counted by type
 * (so the credential counters agree with the ledger, never with an attempt
 * that failed), the time to durability is the audit append lag, and a failed
 * append is a store error.
 */
export class MeteredAuditLog implements AuditLog {
  constructor(private readonly inner: AuditLog, private readonly metrics: LocksmithMetrics) {}

  async append(event: AuditEvent): Promise<void> {
    const started = performance.now();
    await count(this.metrics, "postgres", "append", () => this.inner.append(event));
    this.metrics.auditAppended((performance.now() - started) / 1000);
    this.metrics.recorded(event);
  }

  find(query: AuditQuery): Promise<StoredAuditEvent[]> {
    return count(this.metrics, "postgres", "find", () => this.inner.find(query));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

/** The token store, with its failures counted as store errors. */
export class MeteredTokenStore implements TokenStore {
  constructor(private readonly inner: TokenStore, private readonly metrics: LocksmithMetrics) {}

  put(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): Promise<void> {
    return count(this.metrics, "redis", "put", () => this.inner.put(jti, state, ttlMs));
  }

  get(jti: string): Promise<CredentialState | undefined> {
    return count(this.metrics, "redis", "get", () => this.inner.get(jti));
  }

  spend(jti: string): Promise<SpendResult> {
    return count(this.metrics, "redis", "spend", () => this.inner.spend(jti));
  }

  revoke(jti: string, holder?: string): Promise<RevokeResult> {
    return count(this.metrics, "redis", "revoke", () => this.inner.revoke(jti, holder));
  }

  markAnnounced(jti: string): Promise<void> {
    return count(this.metrics, "redis", "mark_announced", () => this.inner.markAnnounced(jti));
  }

  revokeSubject(subject: CredentialSubject): Promise<number> {
    return count(this.metrics, "redis", "revoke_subject", () => this.inner.revokeSubject(subject));
  }

  remove(jti: string): Promise<void> {
    return count(this.metrics, "redis", "remove", () => this.inner.remove(jti));
  }
}

/** The replay guard, with its failures counted as store errors. */
export class MeteredReplayGuard implements ReplayGuard {
  constructor(private readonly inner: ReplayGuard, private readonly metrics: LocksmithMetrics) {}

  firstUse(key: string, ttlMs: number): Promise<boolean> {
    return count(this.metrics, "redis", "replay_check", () => this.inner.firstUse(key, ttlMs));
  }
}

async function count<T>(metrics: LocksmithMetrics, store: "redis" | "postgres", operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    metrics.storeError(store, operation);
    throw error;
  }
}
