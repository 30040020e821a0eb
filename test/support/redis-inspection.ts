import { Redis } from "ioredis";
import { REDIS_URL } from "./services";

export interface RedisEntry {
  /** The full key, prefix included. */
  readonly key: string;
  readonly type: string;
  /** Every value the key holds, flattened to strings (hash fields and values, list items, ...). */
  readonly values: string[];
  /** Milliseconds left; -1 when the key has no expiry. */
  readonly pttl: number;
}

/** Everything Locksmith keeps in Redis under `prefix`, read with a client of our own (no key prefix). */
export async function redisEntries(prefix: string): Promise<RedisEntry[]> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    // SCAN may return a key twice and in any order (the shared keyspace rehashes as other files write): dedupe and sort.
    const keys = new Set<string>();
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 1000);
      for (const key of found) keys.add(key);
      cursor = next;
    } while (cursor !== "0");
    return await Promise.all([...keys].sort().map((key) => readEntry(redis, key)));
  } finally {
    redis.disconnect();
  }
}

/** The hash a credential's live state is kept in, and its time to live; undefined when there is none. */
export async function credentialEntry(prefix: string, jti: string): Promise<{ fields: Record<string, string>; pttl: number } | undefined> {
  const entry = (await redisEntries(prefix)).find((e) => e.key === `${prefix}cred:{${jti}}`);
  if (!entry) return undefined;
  const fields: Record<string, string> = {};
  for (let i = 0; i < entry.values.length; i += 2) fields[entry.values[i]] = entry.values[i + 1];
  return { fields, pttl: entry.pttl };
}

/** Keys of credential state under `prefix`, sorted. */
export async function credentialKeys(prefix: string): Promise<string[]> {
  return (await redisEntries(prefix)).filter((e) => e.key.startsWith(`${prefix}cred:`)).map((e) => e.key);
}

async function readEntry(redis: Redis, key: string): Promise<RedisEntry> {
  const [type, pttl] = await Promise.all([redis.type(key), redis.pttl(key)]);
  let values: string[];
  switch (type) {
    case "string":
      values = [(await redis.get(key)) ?? ""];
      break;
    case "hash":
      values = Object.entries(await redis.hgetall(key)).flat();
      break;
    case "list":
      values = await redis.lrange(key, 0, -1);
      break;
    case "set":
      values = await redis.smembers(key);
      break;
    case "zset":
      values = await redis.zrange(key, "0", "-1");
      break;
    default:
      values = [String(await redis.dump(key))];
  }
  return { key, type, values, pttl };
}

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");
