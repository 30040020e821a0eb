import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { StoreUnavailableError } from "../../src/domain/errors";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisTokenStore } from "../../src/stores/redis/redis-token-store";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeTokenStoreContract } from "./token-store.contract";

describeTokenStoreContract("RedisTokenStore", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  return {
    store: new RedisTokenStore(redis),
    async close() {
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});

describe("RedisTokenStore's keys", () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let raw: Redis;
  let store: RedisTokenStore;
  beforeAll(async () => {
    redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    raw = await connectRedis({ url: REDIS_URL, keyPrefix: "" });
    store = new RedisTokenStore(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    raw?.disconnect();
    await deleteRedisKeys(prefix);
  });

  test("keeps a credential under <prefix>cred:{<jti>}, expiring with it, and holds no token", async () => {
    const jti = randomUUID();
    await store.put(jti, { agent: "support-agent", scope: "crm:read", resource: "crm:customers/42", usesLeft: 2 }, 60_000);

    const key = `${prefix}cred:{${jti}}`;
    expect((await raw.keys(`${prefix}*`)).sort()).toEqual([key, `${prefix}subject:{agent:support-agent}`]);
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    const values = Object.values(await raw.hgetall(key));
    expect(values).toEqual(expect.arrayContaining(["support-agent", "crm:read", "crm:customers/42", "2"]));
    for (const value of values) expect(value).not.toMatch(/^eyJ|^[\w-]+\.[\w-]+\.[\w-]*$/); // no JWS compact serialisation
  });

  test("keeps the remaining time when a use is spent or the credential revoked", async () => {
    const jti = randomUUID();
    await store.put(jti, { agent: "support-agent", scope: "crm:read", resource: "crm:customers/42", usesLeft: 2 }, 60_000);
    await store.spend(jti);
    await store.revoke(jti);
    const pttl = await raw.pttl(`${prefix}cred:{${jti}}`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });
});

describe("RedisTokenStore's subject index", () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let raw: Redis;
  let store: RedisTokenStore;
  beforeAll(async () => {
    redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    raw = await connectRedis({ url: REDIS_URL, keyPrefix: "" });
    store = new RedisTokenStore(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    raw?.disconnect();
    await deleteRedisKeys(prefix);
  });

  test("indexes a credential under its agent, user and environment, each a sorted set in its own slot that expires with it", async () => {
    const jti = randomUUID();
    await store.put(
      jti,
      { agent: "support-agent", user: "mary", environment: "production", scope: "crm:read", resource: "crm:customers/42", usesLeft: null },
      60_000,
    );
    for (const subject of ["agent:support-agent", "user:mary", "environment:production"]) {
      const key = `${prefix}subject:{${subject}}`;
      expect(await raw.type(key)).toBe("zset");
      expect(await raw.zrange(key, "0", "-1")).toEqual([jti]);
      const pttl = await raw.pttl(key);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    }
    expect(await raw.hget(`${prefix}cred:{${jti}}`, "h")).toBe("mary");
  });
});

describe("RedisTokenStore when Redis is gone", () => {
  test("every operation fails closed with StoreUnavailableError", async () => {
    const prefix = testRedisPrefix();
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    const store = new RedisTokenStore(redis);
    redis.disconnect();
    const jti = randomUUID();
    const state = { agent: "support-agent", scope: "crm:read", resource: "crm:customers/42", usesLeft: 1 };
    for (const operation of [
      () => store.put(jti, state, 60_000),
      () => store.get(jti),
      () => store.spend(jti),
      () => store.revoke(jti),
      () => store.revokeSubject({ kind: "agent", id: "support-agent" }, Date.now()),
      () => store.lastRevocation([{ kind: "agent", id: "support-agent" }]),
      () => store.remove(jti),
    ]) {
      await expect(operation()).rejects.toBeInstanceOf(StoreUnavailableError);
    }
    await deleteRedisKeys(prefix);
  });
});
