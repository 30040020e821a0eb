import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { StoreUnavailableError } from "../../src/domain/errors";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisReplayGuard } from "../../src/stores/redis/redis-replay-guard";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeReplayGuardContract } from "./replay-guard.contract";

describeReplayGuardContract("RedisReplayGuard", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    guard: new RedisReplayGuard(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});

describe("RedisReplayGuard's keys", () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let raw: Redis;
  beforeAll(async () => {
    redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    raw = await connectRedis({ url: REDIS_URL, keyPrefix: "" });
  });
  afterAll(async () => {
    redis?.disconnect();
    raw?.disconnect();
    await deleteRedisKeys(prefix);
  });

  test("remembers a key under <prefix>seen:<key> for its ttl", async () => {
    const key = `support-agent:${randomUUID()}`;
    await new RedisReplayGuard(redis).firstUse(key, 60_000);
    expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}seen:${key}`]);
    const pttl = await raw.pttl(`${prefix}seen:${key}`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });
});

describe("RedisReplayGuard when Redis is gone", () => {
  test("fails closed with StoreUnavailableError rather than accepting the assertion", async () => {
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: testRedisPrefix() });
    const guard = new RedisReplayGuard(redis);
    redis.disconnect();
    await expect(guard.firstUse(`support-agent:${randomUUID()}`, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
