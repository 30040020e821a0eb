import type { Redis } from "ioredis";
import { StoreUnavailableError } from "../../src/domain/errors";
import { ticketId } from "../../src/domain/tickets/ticket-id";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisTicketStore } from "../../src/stores/redis/redis-ticket-store";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeTicketStoreContract } from "./ticket-store.contract";

describeTicketStoreContract("RedisTicketStore", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    store: new RedisTicketStore(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});

describe("RedisTicketStore's keys", () => {
  test("a code is kept under the hash of the secret, never the secret, and expires", async () => {
    const prefix = testRedisPrefix();
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    const raw: Redis = await connectRedis({ url: REDIS_URL, keyPrefix: "" });
    const secret = "the-raw-authorization-code";
    await new RedisTicketStore(redis).put(ticketId("code", secret), "{}", 60_000);
    const keys = await raw.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(secret);
    expect(await raw.pttl(keys[0])).toBeGreaterThan(50_000);
    redis.disconnect();
    raw.disconnect();
    await deleteRedisKeys(prefix);
  });

  test("fails closed with StoreUnavailableError when Redis is gone", async () => {
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: testRedisPrefix() });
    const store = new RedisTicketStore(redis);
    redis.disconnect();
    for (const operation of [() => store.put("code:x", "v", 1000), () => store.get("code:x"), () => store.take("code:x"), () => store.remove("code:x")]) {
      await expect(operation()).rejects.toBeInstanceOf(StoreUnavailableError);
    }
  });
});
