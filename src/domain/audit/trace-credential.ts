import { eventDocument } from "./canonical-event";
import type { LedgerReader } from "./ledger-reader";

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
  readonly events: Record<string, unknown>[];
}

const MAX_TRACE_EVENTS = 10_000;

/** Undefined when no event names the jti. Status is as the ledger tells it at `now`. */
export async function traceCredential(ledger: LedgerReader, jti: string, now: Date): Promise<CredentialTrace | undefined> {
  const events = await ledger.page({ jti }, 0n, MAX_TRACE_EVENTS);
  if (events.length === 0) return undefined;
  const issued = events.find((e) => e.type === "issued");
  const revoked = events.find((e) => e.type === "revoked" && e.decision === "allow" && e.reason === undefined);
  const redeemed = events.filter((e) => e.type === "redeemed");
  const ttl = typeof issued?.detail?.ttl === "number" ? issued.detail.ttl : undefined;
  const expiresAt = issued && ttl !== undefined ? new Date(issued.occurredAt.getTime() + ttl * 1000) : undefined;
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
    events: events.map((e) => eventDocument(e.seq, e)),
  };
}
