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

  test("keeps a credential as one packed string under <prefix>cred:{<jti>}, expiring with it, and holds no token", async () => {
    const jti = randomUUID();
    await store.put(jti, { agent: "support-agent", scope: "crm:read", resource: "crm:customers/42", usesLeft: 2 }, 60_000);

    const key = `${prefix}cred:{${jti}}`;
    const keys = (await raw.keys(`${prefix}*`)).sort();
    expect(keys).toHaveLength(3);
    expect(keys).toEqual(expect.arrayContaining([key, `${prefix}idx:{agent:support-agent}`]));
    expect(keys.filter((k) => k.startsWith(`${prefix}idx:{agent:support-agent}:`))).toHaveLength(1);
    expect(await raw.type(key)).toBe("string");
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    const value = (await raw.get(key))!;
    expect(value).toBe("L02;13:support-agent8:crm:read16:crm:customers/420:0:");
    expect(value).not.toMatch(/eyJ|[\w-]+\.[\w-]+\.[\w-]*/); // no JWS compact serialisation
  });

  test("keeps the remaining time when a use is spent or the credential revoked", async () => {
    const jti = randomUUID();
    await store.put(jti, { agent: "support-agent", scope: "crm:read", resource: "crm:customers/42", usesLeft: 2 }, 60_000);
    await store.spend(jti);
    await store.revoke(jti);
    const pttl = await raw.pttl(`${prefix}cred:{${jti}}`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await raw.get(`${prefix}cred:{${jti}}`)).toBe("L11;13:support-agent8:crm:read16:crm:customers/420:0:");
  });

  test("reads back any text, separators and multi-byte characters included", async () => {
    const jti = randomUUID();
    const state = { agent: "a:1;2", user: "ü;0:x", environment: "e:n;v", scope: "s;:", resource: "r:4:ab;L0-1;🔑", usesLeft: 7 };
    await store.put(jti, state, 60_000);
    expect(await store.get(jti)).toEqual({ ...state, revoked: false });
    expect(await store.spend(jti)).toEqual({ ok: true, usesLeft: 6 });
    expect(await store.revoke(jti, "a:1;2")).toEqual({ outcome: "revoked", agent: "a:1;2" });
    expect(await store.get(jti)).toEqual({ ...state, usesLeft: 6, revoked: true });
  });

  test("a credential in an unknown format (an earlier version's hash, or any other value) is never active", async () => {
    const oldHash = randomUUID();
    await raw.hset(`${prefix}cred:{${oldHash}}`, { a: "support-agent", s: "crm:read", r: "crm:customers/42", u: "-1" });
    await raw.pexpire(`${prefix}cred:{${oldHash}}`, 60_000);
    const garbage = randomUUID();
    await raw.set(`${prefix}cred:{${garbage}}`, "L0-1;13:support-agent", "PX", 60_000);
    for (const jti of [oldHash, garbage]) {
      expect(await store.get(jti)).toBeUndefined();
      expect(await store.spend(jti)).toEqual({ ok: false, reason: "unknown" });
      expect(await store.revoke(jti)).toEqual({ outcome: "unknown" });
      await store.markAnnounced(jti);
    }
    expect(await raw.type(`${prefix}cred:{${oldHash}}`)).toBe("hash");
    expect(await raw.get(`${prefix}cred:{${garbage}}`)).toBe("L0-1;13:support-agent");
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

  test("indexes a credential under its agent and user, and its agent under its environment: a set per expiry bucket, listed in a sorted set, all of one slot and expiring after it", async () => {
    const jti = randomUUID();
    await store.put(
      jti,
      { agent: "support-agent", user: "mary", environment: "production", scope: "crm:read", resource: "crm:customers/42", usesLeft: null },
      60_000,
    );
    const member = Buffer.from(jti.replaceAll("-", ""), "hex").toString("base64url");
    expect(member).toHaveLength(22);
    for (const [subject, expected] of [
      ["agent:support-agent", member],
      ["user:mary", member],
      ["environment:production", "support-agent"], // an environment lists its agents, once per bucket
    ]) {
      const list = `${prefix}idx:{${subject}}`;
      expect(await raw.type(list)).toBe("zset");
      const [bucket, end] = await raw.zrange(list, "0", "-1", "WITHSCORES");
      expect(Number(end)).toBe(Number(bucket) * 60_000);
      expect(Number(end)).toBeGreaterThan(Date.now() + 60_000);
      const set = `${list}:${bucket}`;
      expect(await raw.type(set)).toBe("set");
      expect(await raw.smembers(set)).toEqual([expected]);
      for (const key of [list, set]) {
        const pttl = await raw.pttl(key);
        expect(pttl).toBeGreaterThan(60_000);
        expect(pttl).toBeLessThanOrEqual(60_000 + 5_000 + 60_000);
      }
    }
    expect((await store.get(jti))?.user).toBe("mary");
  });

  test("revokes by subject across buckets and for jtis that are not UUIDs", async () => {
    const agent = `agent-${randomUUID()}`;
    const jtis = [randomUUID(), randomUUID(), "not-a-uuid", "~tilde", randomUUID().toUpperCase()];
    await Promise.all(jtis.map((jti, i) => store.put(jti, { agent, scope: "crm:read", resource: "r", usesLeft: null }, 60_000 + i * 300_000)));
    expect(await raw.zcard(`${prefix}idx:{agent:${agent}}`)).toBeGreaterThanOrEqual(4);

    expect(await store.revokeSubject({ kind: "agent", id: agent }, Date.now())).toBe(jtis.length);
    for (const jti of jtis) expect(await store.spend(jti)).toEqual({ ok: false, reason: "revoked" });
  });

  test("revokes an environment's credentials through its agents, and only those of that environment", async () => {
    const [agent, other] = [`agent-${randomUUID()}`, `agent-${randomUUID()}`];
    const environment = `env-${randomUUID()}`;
    const put = async (who: string, env: string | undefined, ttlMs: number) => {
      const jti = randomUUID();
      await store.put(jti, { agent: who, ...(env ? { environment: env } : {}), scope: "crm:read", resource: "r", usesLeft: null }, ttlMs);
      return jti;
    };
    const inside = [await put(agent, environment, 60_000), await put(agent, environment, 900_000), await put(other, environment, 60_000)];
    // The same agent's credentials of another environment (it moved) or of none stay live.
    const outside = [await put(agent, "elsewhere", 60_000), await put(agent, undefined, 60_000)];
    for (let i = 0; i < 20; i++) inside.push(await put(other, environment, 60_000));
    const bucketSets = (await raw.keys(`${prefix}idx:{environment:${environment}}:*`)).length;
    expect(bucketSets).toBeGreaterThanOrEqual(2);
    for (const key of await raw.keys(`${prefix}idx:{environment:${environment}}:*`)) expect((await raw.smembers(key)).length).toBeLessThanOrEqual(2);

    expect(await store.revokeSubject({ kind: "environment", id: environment }, Date.now())).toBe(inside.length);
    for (const jti of inside) expect(await store.spend(jti)).toEqual({ ok: false, reason: "revoked" });
    for (const jti of outside) expect(await store.spend(jti)).toEqual({ ok: true, usesLeft: null });
    expect(await store.revokeSubject({ kind: "environment", id: environment }, Date.now())).toBe(0);
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
