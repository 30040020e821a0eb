/**
 * Remembers assertion ids so that each is accepted once. Shared by every
 * replica (Redis in production), so a replay to another replica fails too.
 */
export interface ReplayGuard {
  /**
   * Records `key` for `ttlMs`; true the first time, false while it is remembered.
   * Atomic: of two concurrent calls with one key, exactly one gets true.
   */
  firstUse(key: string, ttlMs: number): Promise<boolean>;
}
