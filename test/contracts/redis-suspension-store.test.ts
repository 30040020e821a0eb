import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisSuspensionStore } from "../../src/stores/redis/redis-suspension-store";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeSuspensionStoreContract } from "./suspension-store.contract";

describeSuspensionStoreContract("RedisSuspensionStore", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    store: new RedisSuspensionStore(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});
