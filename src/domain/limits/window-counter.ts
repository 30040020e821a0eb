/**
 * Counts hits of a key in fixed windows. Atomic: concurrent hits from any
 * number of replicas each get a distinct count. The count starts at 1 with
 * the first hit of a window and the key is forgotten when its window ends.
 */
export interface WindowCounter {
  /** Counts one hit; returns the count so far in this window and the milliseconds until it resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
}
