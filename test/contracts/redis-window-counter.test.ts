import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisWindowCounter } from "../../src/stores/redis/redis-window-counter";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeWindowCounterContract } from "./window-counter.contract";

describeWindowCounterContract("RedisWindowCounter", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    counter: new RedisWindowCounter(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});
