/** What `take` found: the first spend of a live ticket, a later one (replay), or nothing. */
export type TakeResult =
  | { readonly status: "fresh"; readonly value: string }
  | { readonly status: "spent"; readonly value: string }
  | { readonly status: "unknown" };

/**
 * Short-lived server-side state of the browser flows: login transactions, sign-in sessions,
 * consent forms waiting for an answer, authorization codes (Redis in production, memory in dev
 * mode). Ids are always derived by hashing a secret (see `ticketId`): the store never holds a
 * usable bearer value, so reading Redis does not let anyone sign in or redeem a code. Every method
 * completes or throws StoreUnavailableError.
 */
export interface TicketStore {
  /** Saves (or replaces) a ticket, unspent, expiring after `ttlMs`. */
  put(id: string, value: string, ttlMs: number): Promise<void>;
  /** The value of a live, unspent ticket; undefined once spent, expired or never saved. */
  get(id: string): Promise<string | undefined>;
  /**
   * Spends a ticket atomically: of concurrent calls exactly one sees `fresh`; every later call sees
   * `spent` with the value until the ticket expires (replay detection), then `unknown`.
   */
  take(id: string): Promise<TakeResult>;
  /** Forgets a ticket at once (sign-out). Idempotent. */
  remove(id: string): Promise<void>;
}
