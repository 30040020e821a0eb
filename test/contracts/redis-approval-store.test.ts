import { RedisApprovalStore } from "../../src/stores/redis/redis-approval-store";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeApprovalStoreContract } from "./approval-store.contract";

describeApprovalStoreContract("RedisApprovalStore", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    store: new RedisApprovalStore(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});
