import { eventDocument } from "./canonical-event";
import type { EventFilter, LedgerEntry, LedgerReader } from "./ledger-reader";

export type CredentialStatus = "live" | "revoked" | "expired" | "exhausted" | "never_issued";

/** A credential's story: issued → redeemed ×N → revoked / expired, with every event that names it. */
export interface CredentialTrace {
  readonly jti: string;
  readonly status: CredentialStatus;
  readonly agent?: string;
  readonly user?: string;
  readonly issued_at?: string;
  readonly expires_at?: string;
  readonly redemptions: number;
  readonly rejected_redemptions: number;
  readonly revoked_at?: string;
  /** When a kill switch or a suspension (events that name a subject, not this jti) revoked it: that event. */
  readonly revoked_by?: { readonly type: string; readonly reason: string | null; readonly seq: string };
  readonly events: Record<string, unknown>[];
}

const MAX_TRACE_EVENTS = 10_000;

/** Undefined when no event names the jti. Status is as the ledger tells it at `now`. */
export async function traceCredential(ledger: LedgerReader, jti: string, now: Date): Promise<CredentialTrace | undefined> {
  const events = await ledger.page({ jti }, 0n, MAX_TRACE_EVENTS);
  if (events.length === 0) return undefined;
  const issued = events.find((e) => e.type === "issued");
  const redeemed = events.filter((e) => e.type === "redeemed");
  const ttl = typeof issued?.detail?.ttl === "number" ? issued.detail.ttl : undefined;
  const expiresAt = issued && ttl !== undefined ? new Date(issued.occurredAt.getTime() + ttl * 1000) : undefined;
  const byJti = events.find((e) => e.type === "revoked" && e.decision === "allow" && e.reason === undefined);
  const bySubject = issued && expiresAt ? await killedBySubject(ledger, issued, expiresAt) : undefined;
  const revoked = [byJti, bySubject].filter((e) => e !== undefined).sort((a, b) => Number(a.seq - b.seq))[0];
  const usesLeft = redeemed.at(-1)?.detail?.uses_remaining;
  const status: CredentialStatus = !issued
    ? "never_issued"
    : revoked
      ? "revoked"
      : expiresAt && expiresAt <= now
        ? "expired"
        : usesLeft === 0
          ? "exhausted"
          : "live";
  return {
    jti,
    status,
    agent: issued?.agent,
    user: issued?.user,
    issued_at: issued?.occurredAt.toISOString(),
    expires_at: expiresAt?.toISOString(),
    redemptions: redeemed.length,
    rejected_redemptions: events.filter((e) => e.type === "redeem_rejected").length,
    revoked_at: revoked?.occurredAt.toISOString(),
    ...(revoked && revoked !== byJti ? { revoked_by: { type: revoked.type, reason: revoked.reason ?? null, seq: String(revoked.seq) } } : {}),
    events: events.map((e) => eventDocument(e.seq, e)),
  };
}

/**
 * The first event after the issuance, and before the expiry, that killed the credential without naming
 * its jti, as redemption would refuse it: a revocation of its agent, user or environment, or a suspension
 * of its agent (which revokes every credential issued before it, also after a resume).
 */
async function killedBySubject(ledger: LedgerReader, issued: LedgerEntry, expiresAt: Date): Promise<LedgerEntry | undefined> {
  const window = { from: issued.occurredAt, to: expiresAt };
  const { agent, user, environment } = issued;
  const searches: [EventFilter, (e: LedgerEntry) => boolean][] = [
    [{ type: "revoked", agent }, (e) => e.reason === "revoke_agent"],
    [{ type: "revoked", user }, (e) => e.reason === "revoke_user"],
    [{ type: "revoked", environment }, (e) => e.reason === "revoke_environment"],
    [{ type: "agent_suspended", agent }, () => true],
    [{ type: "circuit_breaker_tripped", agent }, () => true],
  ];
  // A subject the credential lacks (no user when not delegated) names nothing: an absent filter field would match every row.
  const named = searches.filter(([filter]) => Object.values(filter).every((value) => value !== undefined));
  const found = await Promise.all(named.map(([filter, kills]) => firstAfter(ledger, { ...filter, ...window }, issued.seq, kills)));
  return found.filter((e) => e !== undefined).sort((a, b) => Number(a.seq - b.seq))[0];
}

async function firstAfter(ledger: LedgerReader, filter: EventFilter, after: bigint, kills: (e: LedgerEntry) => boolean): Promise<LedgerEntry | undefined> {
  for (let page = await ledger.page(filter, after, 500); page.length > 0; page = await ledger.page(filter, page[page.length - 1].seq, 500)) {
    const hit = page.find(kills);
    if (hit) return hit;
    if (page.length < 500) return undefined;
  }
  return undefined;
}
