import { StoreUnavailableError } from "../../src/domain/errors";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisRevocationFeed } from "../../src/stores/redis/redis-revocation-feed";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeRevocationFeedContract } from "./revocation-feed.contract";

describeRevocationFeedContract("RedisRevocationFeed", async () => {
  const prefix = testRedisPrefix();
  const a = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  const b = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  const feed = await RedisRevocationFeed.start(a);
  const other = await RedisRevocationFeed.start(b);
  return {
    feed,
    other,
    async close() {
      await feed.close();
      await other.close();
      a.disconnect();
      b.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});

describe("RedisRevocationFeed on a dead Redis", () => {
  test("refuses to publish with StoreUnavailableError (the revoke answers 503)", async () => {
    const prefix = testRedisPrefix();
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    const feed = await RedisRevocationFeed.start(redis);
    redis.disconnect();
    await expect(feed.publish({ jti: "x" })).rejects.toBeInstanceOf(StoreUnavailableError);
    await feed.close();
  });
});
