import type { Redis } from "ioredis";
import { normalizeApproval, type ApprovalRequest, type ApprovalVote, type CollectOutcome, type VoteOutcome } from "../../domain/approvals/approval-request";
import type { ApprovalStore } from "../../domain/approvals/approval-store";
import { COLLECT, RELEASE, VOTE } from "./redis-approval-scripts";
import { guard } from "./redis-token-store";

interface ScriptCommands {
  locksmithVote(key: string, subject: string, approve: string, comment: string, at: number, now: number): Promise<[string, string]>;
  locksmithCollect(key: string, agent: string, now: number): Promise<[string, string]>;
  locksmithRelease(key: string): Promise<number>;
}

const requestKey = (id: string) => `approval:{${id}}`;
/** Ids of requests that may still be pending; pruned as they are read. */
const PENDING = "approvals:pending";

/** Approval requests in Redis: one JSON string per request, changed only by Lua scripts. */
export class RedisApprovalStore implements ApprovalStore {
  private readonly redis: Redis & ScriptCommands;

  constructor(redis: Redis) {
    redis.defineCommand("locksmithVote", { numberOfKeys: 1, lua: VOTE });
    redis.defineCommand("locksmithCollect", { numberOfKeys: 1, lua: COLLECT });
    redis.defineCommand("locksmithRelease", { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & ScriptCommands;
  }

  create(request: ApprovalRequest, keepMs: number): Promise<void> {
    return guard(async () => {
      const ttl = Math.max(1, request.expiresAt - request.createdAt + keepMs);
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
      return { outcome: outcome as VoteOutcome, request: parse(raw) };
    });
  }

  collect(id: string, agent: string, nowMs: number): Promise<{ outcome: CollectOutcome; request?: ApprovalRequest }> {
    return guard(async () => {
      const [outcome, raw] = await this.redis.locksmithCollect(requestKey(id), agent, nowMs);
      return { outcome: outcome as CollectOutcome, request: parse(raw) };
    });
  }

  release(id: string): Promise<void> {
    return guard(async () => void (await this.redis.locksmithRelease(requestKey(id))));
  }

  pending(nowMs: number): Promise<ApprovalRequest[]> {
    return guard(async () => {
      const ids = await this.redis.zrange(PENDING, "0", "999");
      if (ids.length === 0) return [];
      const requests = (await this.redis.mget(...ids.map(requestKey))).map((raw) => parse(raw));
      const done = ids.filter((_, i) => { const r = requests[i]; return r?.status !== "pending" || nowMs >= r.expiresAt; });
      if (done.length > 0) await this.redis.zrem(PENDING, ...done);
      return requests.filter((r): r is ApprovalRequest => r !== undefined && r.status === "pending" && nowMs < r.expiresAt);
    });
  }
}

const parse = (raw: string | null | undefined) => (raw ? normalizeApproval(JSON.parse(raw)) : undefined);
