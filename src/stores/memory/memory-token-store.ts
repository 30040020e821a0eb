import type { Clock } from "../../domain/clock";
import { subjectsOf } from "../../domain/credentials/credential-subjects";
import {
  KILL_SWITCH_MEMORY_MS,
  type CredentialState,
  type CredentialSubject,
  type RevokeResult,
  type SpendResult,
  type TokenStore,
} from "../../domain/credentials/token-store";

interface Entry {
  state: CredentialState;
  expiresAt: number;
  /** Its revocation was recorded and announced (see TokenStore.revoke). */
  announced?: boolean;
}

/**
 * Token store for dev mode and unit tests, with Redis's semantics: entries
 * expire at their deadline (checked on every read, swept periodically), and
 * every method is atomic because it runs to completion on the event loop.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, Entry>();
  /** `<kind>:<id>` → jtis, like Redis's subject index; expired jtis are dropped as they are met. */
  private readonly subjects = new Map<string, Set<string>>();
  /** `<kind>:<id>` → epoch ms of its latest kill switch. */
  private readonly kills = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    sweepEveryMs = 10_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs).unref();
  }

  async put(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): Promise<void> {
    this.putNow(jti, state, ttlMs);
  }

  /** `put` run to completion on the event loop, for the memory RequestGate's one atomic step. */
  putNow(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): void {
    for (const subject of subjectsOf(state)) {
      const key = `${subject.kind}:${subject.id}`;
      const jtis = this.subjects.get(key) ?? new Set<string>();
      this.subjects.set(key, jtis.add(jti));
    }
    this.entries.set(jti, { state: { ...state, revoked: false }, expiresAt: this.clock.now() + ttlMs });
  }

  async get(jti: string): Promise<CredentialState | undefined> {
    return this.live(jti)?.state;
  }

  async spend(jti: string): Promise<SpendResult> {
    return this.spendNow(jti);
  }

  /** `spend` run to completion on the event loop, for the memory RequestGate's one atomic step. */
  spendNow(jti: string): SpendResult {
    const entry = this.live(jti);
    if (!entry) return { ok: false, reason: "unknown" };
    if (entry.state.revoked) return { ok: false, reason: "revoked" };
    const { usesLeft } = entry.state;
    if (usesLeft === null) return { ok: true, usesLeft: null };
    if (usesLeft <= 0) return { ok: false, reason: "exhausted" };
    entry.state = { ...entry.state, usesLeft: usesLeft - 1 };
    return { ok: true, usesLeft: usesLeft - 1 };
  }

  async revoke(jti: string, holder?: string): Promise<RevokeResult> {
    const entry = this.live(jti);
    if (!entry) return { outcome: "unknown" };
    const agent = entry.state.agent;
    if (holder !== undefined && holder !== agent) return { outcome: "not_holder" };
    if (entry.state.revoked && entry.announced) return { outcome: "already_revoked", agent };
    entry.state = { ...entry.state, revoked: true };
    return { outcome: "revoked", agent };
  }

  async markAnnounced(jti: string): Promise<void> {
    const entry = this.live(jti);
    if (entry) entry.announced = true;
  }

  async revokeSubject(subject: CredentialSubject, atMs: number): Promise<number> {
    const key = `${subject.kind}:${subject.id}`;
    this.kills.set(key, Math.max(this.kills.get(key) ?? 0, atMs));
    const jtis = this.subjects.get(key) ?? new Set<string>();
    let revoked = 0;
    for (const jti of jtis) {
      const entry = this.live(jti);
      if (!entry) jtis.delete(jti);
      else {
        if (!entry.state.revoked) revoked += 1;
        entry.state = { ...entry.state, revoked: true };
        entry.announced = true;
      }
    }
    if (jtis.size === 0) this.subjects.delete(key);
    return revoked;
  }

  async lastRevocation(subjects: readonly CredentialSubject[]): Promise<number | undefined> {
    const since = this.clock.now() - KILL_SWITCH_MEMORY_MS;
    const times = subjects.map((s) => this.kills.get(`${s.kind}:${s.id}`)).filter((at): at is number => at !== undefined && at > since);
    return times.length > 0 ? Math.max(...times) : undefined;
  }

  async remove(jti: string): Promise<void> {
    this.entries.delete(jti);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(jti: string): Entry | undefined {
    const entry = this.entries.get(jti);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(jti);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [jti, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(jti);
    for (const [key, at] of this.kills) if (at <= now - KILL_SWITCH_MEMORY_MS) this.kills.delete(key);
    for (const [key, jtis] of this.subjects) {
      for (const jti of jtis) if (!this.entries.has(jti)) jtis.delete(jti);
      if (jtis.size === 0) this.subjects.delete(key);
    }
  }
}
