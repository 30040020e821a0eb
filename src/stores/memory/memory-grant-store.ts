import type { Clock } from "../../domain/clock";
import type { CredentialSubject } from "../../domain/credentials/token-store";
import { ACCESS_TOKENS_PER_GRANT, type GrantState, type GrantStore, type PersonGrant, type RotateResult } from "../../domain/oauth/grant-store";

interface Entry {
  grant: PersonGrant;
  revoked: boolean;
  current: string;
  used: Set<string>;
  accessTokens: string[];
}

/** Grants for dev mode and unit tests, with the Redis store's semantics (expiry on read, atomic per call). */
export class MemoryGrantStore implements GrantStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  async create(grant: PersonGrant, refreshHash: string): Promise<void> {
    this.entries.set(grant.id, { grant, revoked: false, current: refreshHash, used: new Set(), accessTokens: [] });
  }

  async get(id: string): Promise<GrantState | undefined> {
    const entry = this.live(id);
    return entry && stateOf(entry);
  }

  async rotate(id: string, presented: string, next: string): Promise<RotateResult> {
    const entry = this.live(id);
    if (!entry) return { outcome: "unknown" };
    const known = entry.current === presented || entry.used.has(presented);
    if (entry.revoked) return known ? { outcome: "revoked", state: stateOf(entry) } : { outcome: "unknown" };
    if (entry.current === presented) {
      entry.used.add(presented);
      entry.current = next;
      return { outcome: "rotated", state: stateOf(entry) };
    }
    if (!entry.used.has(presented)) return { outcome: "unknown" };
    entry.revoked = true;
    return { outcome: "reused", state: stateOf(entry) };
  }

  async noteAccessToken(id: string, jti: string): Promise<void> {
    const entry = this.live(id);
    if (entry) entry.accessTokens = [...entry.accessTokens, jti].slice(-ACCESS_TOKENS_PER_GRANT);
  }

  async revoke(id: string): Promise<GrantState | undefined> {
    const entry = this.live(id);
    if (!entry || entry.revoked) return undefined;
    entry.revoked = true;
    return stateOf(entry);
  }

  async listByUser(user: string): Promise<GrantState[]> {
    return this.matching({ kind: "user", id: user })
      .map(stateOf)
      .sort((a, b) => b.grant.grantedAt - a.grant.grantedAt);
  }

  async revokeSubject(subject: CredentialSubject): Promise<GrantState[]> {
    const revoked: GrantState[] = [];
    for (const entry of this.matching(subject)) {
      if (entry.revoked) continue;
      entry.revoked = true;
      revoked.push(stateOf(entry));
    }
    return revoked;
  }

  private matching(subject: CredentialSubject): Entry[] {
    const field = { user: "user", agent: "agent", environment: "environment" } as const;
    return [...this.entries.keys()].flatMap((id) => {
      const entry = this.live(id);
      return entry && entry.grant[field[subject.kind]] === subject.id ? [entry] : [];
    });
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.grant.expiresAt <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }
}

const stateOf = (entry: Entry): GrantState => ({ grant: entry.grant, revoked: entry.revoked, accessTokens: [...entry.accessTokens] });
