import { StoreUnavailableError } from "../../src/domain/errors";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisGrantStore } from "../../src/stores/redis/redis-grant-store";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeGrantStoreContract } from "./grant-store.contract";

describeGrantStoreContract("RedisGrantStore", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    store: new RedisGrantStore(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});

test("RedisGrantStore fails closed with StoreUnavailableError when Redis is gone", async () => {
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: testRedisPrefix() });
  const store = new RedisGrantStore(redis);
  redis.disconnect();
  for (const operation of [
    () => store.get("g"),
    () => store.rotate("g", "a", "b"),
    () => store.revoke("g"),
    () => store.listByUser("u"),
    () => store.revokeSubject({ kind: "user", id: "u" }),
  ]) {
    await expect(operation()).rejects.toBeInstanceOf(StoreUnavailableError);
  }
});
