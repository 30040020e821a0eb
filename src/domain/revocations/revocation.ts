/**
 * A revocation as resource servers receive it. One credential (`jti`), or in
 * bulk every credential of an agent, a user or an environment issued before
 * `before` (epoch seconds, compared with the token's `iat`). `environment` is
 * the wall the revocation belongs to: a resource server only hears its own.
 *
 * A suspension is an agent's bulk revocation with `suspended: true` (and
 * `until`, epoch seconds, when it ends by itself): listeners that know no more
 * still refuse every credential issued before it. A resumption lifts the
 * suspension, not the revocation of the credentials issued before it.
 *
 * @example { "jti": "e7cb2a41-…", "environment": "production" }
 * @example { "agent": "support-agent", "environment": "production", "before": 1767225600 }
 * @example { "agent": "support-agent", "environment": "production", "before": 1767225600, "suspended": true }
 * @example { "agent": "support-agent", "environment": "production", "resumed": true }
 */
export type Revocation =
  | { readonly jti: string; readonly environment?: string }
  | {
      readonly agent?: string;
      readonly user?: string;
      readonly environment?: string;
      readonly before: number;
      readonly suspended?: true;
      readonly until?: number;
    }
  | { readonly agent: string; readonly environment?: string; readonly resumed: true };

/** A revocation with its position in the feed; ids are `<ms>-<seq>` and increase. */
export interface RevocationEntry {
  readonly id: string;
  readonly revocation: Revocation;
}

const ENTRY_ID = /^(\d{1,15})-(\d{1,15})$/;

export const isEntryId = (id: string): boolean => ENTRY_ID.test(id);

/** Orders two entry ids: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am - bm || as - bs;
}
