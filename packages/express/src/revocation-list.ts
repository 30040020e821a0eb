/** What a revocation event can name (see GET /v1/revocations/stream). */
export type RevocationNotice =
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

type BulkNotice = Extract<RevocationNotice, { before: number }>;

/** The claims of a verified credential that a revocation can match. */
export interface RevocableClaims {
  readonly jti: string;
  readonly agent: string;
  readonly user?: string;
  readonly environment: string;
  readonly issuedAt: number;
}

/** No credential outlives this, so a revocation can be forgotten after it. */
const FORGET_AFTER_MS = 24 * 3600 * 1000 + 60_000;

/**
 * The revocations an offline verifier has heard: single credentials by jti,
 * bulk ones (every credential of an agent, user or environment issued before
 * a time), and suspended agents, whose every credential is refused until a
 * resumption (or the suspension's `until`) — as online redemption does.
 * Entries are forgotten once no credential they name can live.
 */
export class RevocationList {
  private readonly jtis = new Map<string, number>();
  private bulk: { notice: BulkNotice; heardAt: number }[] = [];
  /** Suspended agent → when the suspension ends by itself (epoch ms; Infinity until resumed). */
  private readonly suspended = new Map<string, number>();

  add(notice: RevocationNotice, now = Date.now()): void {
    if ("jti" in notice) this.jtis.set(notice.jti, now);
    else if ("resumed" in notice) this.suspended.delete(notice.agent);
    else {
      this.bulk.push({ notice, heardAt: now });
      if (notice.suspended && notice.agent !== undefined) this.suspended.set(notice.agent, notice.until === undefined ? Infinity : notice.until * 1000);
    }
    this.forget(now);
  }

  isRevoked(claims: RevocableClaims, now = Date.now()): boolean {
    if (this.jtis.has(claims.jti)) return true;
    if (now < (this.suspended.get(claims.agent) ?? 0)) return true;
    return this.bulk.some(
      ({ notice }) =>
        (notice.agent !== undefined || notice.user !== undefined || notice.environment !== undefined) &&
        (notice.agent === undefined || notice.agent === claims.agent) &&
        (notice.user === undefined || notice.user === claims.user) &&
        (notice.environment === undefined || notice.environment === claims.environment) &&
        claims.issuedAt < notice.before,
    );
  }

  private forget(now: number): void {
    const oldest = now - FORGET_AFTER_MS;
    for (const [jti, heardAt] of this.jtis) {
      if (heardAt >= oldest) break;
      this.jtis.delete(jti);
    }
    if (this.bulk.length > 0 && this.bulk[0].heardAt < oldest) this.bulk = this.bulk.filter((entry) => entry.heardAt >= oldest);
    for (const [agent, until] of this.suspended) if (until <= now) this.suspended.delete(agent);
  }
}
