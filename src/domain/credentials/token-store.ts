/**
 * The live state of a credential, keyed by its `jti` (never by the token).
 * Entries vanish on their own when the credential expires.
 */
export interface CredentialState {
  readonly agent: string;
  /** The person the agent acts for, when delegated. */
  readonly user?: string;
  /** The agent's environment: indexed so an environment's credentials can be revoked at once. */
  readonly environment?: string;
  readonly scope: string;
  readonly resource: string;
  /** Redemptions left; null when the grant sets no `max_uses`. */
  readonly usesLeft: number | null;
  readonly revoked: boolean;
}

export type SpendResult =
  | { readonly ok: true; readonly usesLeft: number | null }
  | { readonly ok: false; readonly reason: "unknown" | "revoked" | "exhausted" };

export interface RevokeResult {
  readonly outcome: "revoked" | "already_revoked" | "unknown" | "not_holder";
  /** The agent the credential was issued to, when it is known. */
  readonly agent?: string;
}

/** How long a kill switch is remembered: longer than any approval request may wait (credentials live at most 24 h too). */
export const KILL_SWITCH_MEMORY_MS = 25 * 3600 * 1000;

/** Whose credentials a kill switch revokes: every live one of an agent, of a user, or of an environment. */
export interface CredentialSubject {
  readonly kind: "agent" | "user" | "environment";
  readonly id: string;
}

/**
 * Where live credentials are kept (Redis in production, memory in dev mode).
 * Every method either completes or throws StoreUnavailableError; none is
 * read-modify-write on the caller's side.
 */
export interface TokenStore {
  /**
   * Saves a new credential's state, expiring after `ttlMs`, and indexes it under
   * its agent, user and environment (for revokeSubject) before it exists.
   */
  put(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): Promise<void>;
  /** The state, or undefined once expired or never issued. */
  get(jti: string): Promise<CredentialState | undefined>;
  /**
   * Atomically spends one use: of N concurrent calls on a credential with one
   * use left, exactly one gets `ok: true`. Unlimited credentials are not counted.
   */
  spend(jti: string): Promise<SpendResult>;
  /**
   * Marks the credential revoked until it expires. Idempotent. When `holder`
   * is given, only that agent's credential is revoked (`not_holder` otherwise).
   * `revoked` when this call changed the state, or when an earlier revocation
   * was never `markAnnounced` (so a retry finishes what a failed announcement
   * left); `already_revoked` once it was announced.
   */
  revoke(jti: string, holder?: string): Promise<RevokeResult>;
  /** Records that the credential's revocation is recorded and announced: later `revoke`s are `already_revoked`. Creates nothing. */
  markAnnounced(jti: string): Promise<void>;
  /**
   * Revokes every live credential of the subject at once (read from an index,
   * never a scan). Resolves to how many were newly revoked; idempotent. Also
   * remembers `atMs` (the latest one wins) for `lastRevocation`, for
   * `KILL_SWITCH_MEMORY_MS`, before any credential is revoked.
   * Marks them announced too: the caller announces the subject's revocation itself.
   */
  revokeSubject(subject: CredentialSubject, atMs: number): Promise<number>;
  /**
   * Epoch ms of the latest kill switch of any of these subjects within
   * `KILL_SWITCH_MEMORY_MS`, or undefined: what an approved request made
   * before it must not outlive.
   */
  lastRevocation(subjects: readonly CredentialSubject[]): Promise<number | undefined>;
  /** Forgets a credential at once: undoes `put` when its audit record could not be written. */
  remove(jti: string): Promise<void>;
}
