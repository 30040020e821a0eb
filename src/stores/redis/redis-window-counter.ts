import type { Redis } from "ioredis";
import type { WindowCounter } from "../../domain/limits/window-counter";
import { guard } from "./redis-token-store";

/** INCR and PEXPIRE on the first hit, in one script: atomic across replicas, and a key never outlives its window. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export class RedisWindowCounter implements WindowCounter {
  private readonly redis: Redis & { locksmithHit(key: string, windowMs: number): Promise<[number, number]> };

  constructor(redis: Redis) {
    redis.defineCommand("locksmithHit", { numberOfKeys: 1, lua: HIT });
    this.redis = redis as RedisWindowCounter["redis"];
  }

  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    return guard(async () => {
      const [count, ttl] = await this.redis.locksmithHit(key, Math.max(1, Math.round(windowMs)));
      return { count: Number(count), resetInMs: Number(ttl) };
    });
  }
}
