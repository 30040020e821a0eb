import type { ApprovalRequest, ApprovalVote, CollectOutcome, VoteOutcome } from "../../domain/approvals/approval-request";
import { TooManyPendingError, type ApprovalStore } from "../../domain/approvals/approval-store";
import { MAX_PENDING_APPROVALS_PER_AGENT } from "../../domain/approvals/approval-store";
import type { Clock } from "../../domain/clock";

/** Approval requests in process memory (dev mode, tests): same contract as Redis. */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly requests = new Map<string, { request: ApprovalRequest; forgetAt: number }>();

  constructor(private readonly clock: Clock) {}

  async create(request: ApprovalRequest, keepMs: number): Promise<void> {
    // Synchronous from check to set: no other create runs in between (the event loop's atomicity).
    const waiting = this.waiting(this.clock.now()).filter((r) => r.agent === request.agent);
    if (waiting.length >= MAX_PENDING_APPROVALS_PER_AGENT) throw new TooManyPendingError(request.agent);
    this.requests.set(request.id, { request: structuredClone(request), forgetAt: request.expiresAt + keepMs });
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const entry = this.live(id);
    return entry && structuredClone(entry.request);
  }

  async vote(id: string, vote: ApprovalVote, approve: boolean, nowMs: number): Promise<{ outcome: VoteOutcome; request?: ApprovalRequest }> {
    const entry = this.live(id);
    if (!entry) return { outcome: "unknown" };
    const r = entry.request;
    const answer = (outcome: VoteOutcome) => ({ outcome, request: structuredClone(entry.request) });
    if (r.status === "expired") return answer("already_expired");
    if (r.status !== "pending") return answer("not_pending");
    if (nowMs >= r.expiresAt) {
      entry.request = { ...r, status: "expired" };
      return answer("expired");
    }
    if (r.approvals.some((a) => a.subject === vote.subject)) return answer("duplicate");
    if (!approve) {
      entry.request = { ...r, status: "rejected", rejection: vote };
      return answer("rejected");
    }
    const approvals = [...r.approvals, vote];
    entry.request = { ...r, approvals, status: approvals.length >= r.count ? "approved" : "pending" };
    return answer(entry.request.status === "approved" ? "approved" : "recorded");
  }

  async collect(id: string, agent: string, nowMs: number): Promise<{ outcome: CollectOutcome; request?: ApprovalRequest }> {
    const entry = this.live(id);
    if (!entry || entry.request.agent !== agent) return { outcome: "unknown" };
    const r = entry.request;
    if (r.status === "expired") return { outcome: "already_expired", request: structuredClone(r) };
    if ((r.status === "pending" || r.status === "approved") && nowMs >= r.expiresAt) {
      entry.request = { ...r, status: "expired" };
      return { outcome: "expired", request: structuredClone(entry.request) };
    }
    if (r.status !== "approved") return { outcome: r.status === "collected" ? "already_collected" : r.status, request: structuredClone(r) };
    entry.request = { ...r, status: "collected" };
    return { outcome: "collected", request: structuredClone(entry.request) };
  }

  async release(id: string): Promise<void> {
    const entry = this.live(id);
    if (entry?.request.status === "collected") entry.request = { ...entry.request, status: "approved" };
  }

  async pending(nowMs: number): Promise<ApprovalRequest[]> {
    return this.waiting(nowMs);
  }

  private waiting(nowMs: number): ApprovalRequest[] {
    return [...this.requests.keys()]
      .map((id) => this.live(id)?.request)
      .filter((r): r is ApprovalRequest => r !== undefined && r.status === "pending" && nowMs < r.expiresAt)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => structuredClone(r));
  }

  private live(id: string) {
    const entry = this.requests.get(id);
    if (entry && this.clock.now() >= entry.forgetAt) this.requests.delete(id);
    return this.requests.get(id);
  }
}
