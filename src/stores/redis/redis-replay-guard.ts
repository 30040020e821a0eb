import type { Redis } from "ioredis";
import type { ReplayGuard } from "../../domain/identity/replay-guard";
import { guard } from "./redis-token-store";

/** Assertion ids remembered in Redis with SET NX PX: atomic, shared by all replicas, gone when the assertion could no longer verify. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(private readonly redis: Redis) {}

  firstUse(key: string, ttlMs: number): Promise<boolean> {
    return guard(async () => (await this.redis.set(`seen:${key}`, "1", "PX", Math.max(1, ttlMs), "NX")) === "OK");
  }
}
