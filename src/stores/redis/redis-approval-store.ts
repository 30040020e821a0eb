import type { Redis } from "ioredis";
import { normalizeApproval, type ApprovalRequest, type ApprovalVote, type CollectOutcome, type VoteOutcome } from "../../domain/approvals/approval-request";
import { TooManyPendingError, type ApprovalStore } from "../../domain/approvals/approval-store";
import { MAX_PENDING_APPROVALS_PER_AGENT } from "../../domain/approvals/approval-store";
import { COLLECT, RELEASE, TAKE_PLACE, VOTE } from "./redis-approval-scripts";
import { guard } from "./redis-token-store";

interface ScriptCommands {
  locksmithVote(key: string, subject: string, approve: string, comment: string, at: number, now: number): Promise<[string, string]>;
  locksmithCollect(key: string, agent: string, now: number): Promise<[string, string]>;
  locksmithRelease(key: string): Promise<number>;
  locksmithTakePlace(key: string, id: string, expiresAt: number, max: number, now: number, ttlMs: number): Promise<number>;
}

const requestKey = (id: string) => `approval:{${id}}`;
/** Ids of requests that may still be pending; pruned as they are read. */
const PENDING = "approvals:pending";
/** An agent's waiting requests (its own slot), bounding how many it may have at once. */
const placesKey = (agent: string) => `approvals:waiting:{${agent}}`;

/** Approval requests in Redis: one JSON string per request, changed only by Lua scripts. */
export class RedisApprovalStore implements ApprovalStore {
  private readonly redis: Redis & ScriptCommands;

  constructor(redis: Redis) {
    redis.defineCommand("locksmithVote", { numberOfKeys: 1, lua: VOTE });
    redis.defineCommand("locksmithCollect", { numberOfKeys: 1, lua: COLLECT });
    redis.defineCommand("locksmithRelease", { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand("locksmithTakePlace", { numberOfKeys: 1, lua: TAKE_PLACE });
    this.redis = redis as Redis & ScriptCommands;
  }

  async create(request: ApprovalRequest, keepMs: number): Promise<void> {
    const ttl = Math.max(1, request.expiresAt - request.createdAt + keepMs);
    const taken = await guard(() =>
      this.redis.locksmithTakePlace(placesKey(request.agent), request.id, request.expiresAt, MAX_PENDING_APPROVALS_PER_AGENT, request.createdAt, ttl),
    );
    if (taken !== 1) throw new TooManyPendingError(request.agent);
    return guard(async () => {
      await this.redis.set(requestKey(request.id), JSON.stringify(request), "PX", ttl);
      await this.redis.zadd(PENDING, request.createdAt, request.id);
    });
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return guard(async () => parse(await this.redis.get(requestKey(id))));
  }

  vote(id: string, vote: ApprovalVote, approve: boolean, nowMs: number): Promise<{ outcome: VoteOutcome; request?: ApprovalRequest }> {
    return guard(async () => {
      const [outcome, raw] = await this.redis.locksmithVote(requestKey(id), vote.subject, approve ? "1" : "0", vote.comment ?? "", vote.at, nowMs);
      const request = parse(raw);
      await this.leaveIfDecided(request);
      return { outcome: outcome as VoteOutcome, request };
    });
  }

  collect(id: string, agent: string, nowMs: number): Promise<{ outcome: CollectOutcome; request?: ApprovalRequest }> {
    return guard(async () => {
      const [outcome, raw] = await this.redis.locksmithCollect(requestKey(id), agent, nowMs);
      const request = parse(raw);
      await this.leaveIfDecided(request);
      return { outcome: outcome as CollectOutcome, request };
    });
  }

  release(id: string): Promise<void> {
    return guard(async () => void (await this.redis.locksmithRelease(requestKey(id))));
  }

  pending(nowMs: number): Promise<ApprovalRequest[]> {
    return guard(async () => {
      // Newest first: the list shows the latest requests even if old ones pile up.
      const ids = await this.redis.zrevrange(PENDING, 0, 999);
      if (ids.length === 0) return [];
      const requests = (await this.redis.mget(...ids.map(requestKey))).map((raw) => parse(raw));
      const done = ids.filter((_, i) => {
        const r = requests[i];
        return r?.status !== "pending" || nowMs >= r.expiresAt;
      });
      if (done.length > 0) await this.redis.zrem(PENDING, ...done);
      return requests.filter((r): r is ApprovalRequest => r !== undefined && r.status === "pending" && nowMs < r.expiresAt);
    });
  }

  /** A decided or expired request frees its agent's place (after the script: a failure only over-counts until expiry). */
  private async leaveIfDecided(request: ApprovalRequest | undefined): Promise<void> {
    if (request && request.status !== "pending") await this.redis.zrem(placesKey(request.agent), request.id);
  }
}

const parse = (raw: string | null | undefined) => (raw ? normalizeApproval(JSON.parse(raw)) : undefined);
