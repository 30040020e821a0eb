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

/**
 * A credential's live state decoded into the short field names of its documented layout (a agent, s scope,
 * r resource, u uses left, h user, e environment, x revoked, n announced; h, e, x, n only when set), and its
 * time to live; undefined when there is none. Decoded here on its own (not with the store's code), from the
 * format redis-credential-format.ts documents: `L` flags uses `;` then `<length>:<text>` × 5.
 */
export async function credentialEntry(prefix: string, jti: string): Promise<{ fields: Record<string, string>; pttl: number } | undefined> {
  const entry = (await redisEntries(prefix)).find((e) => e.key === `${prefix}cred:{${jti}}`);
  if (!entry) return undefined;
  if (entry.type !== "string") throw new Error(`credential state is a ${entry.type}`);
  const value = entry.values[0];
  const header = /^L([0-3])(-?\d+);/.exec(value);
  if (!header) throw new Error(`credential state in an unknown format: ${value}`);
  const texts: string[] = [];
  let at = header[0].length;
  for (let i = 0; i < 5; i++) {
    const colon = value.indexOf(":", at);
    const length = Number(value.slice(at, colon));
    texts.push(value.slice(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  if (at !== value.length) throw new Error(`credential state with trailing bytes: ${value}`);
  const [a, s, r, h, e] = texts;
  const flags = Number(header[1]);
  const fields: Record<string, string> = { a, s, r, u: header[2] };
  if (h !== "") fields.h = h;
  if (e !== "") fields.e = e;
  if (flags % 2 === 1) fields.x = "1";
  if (flags >= 2) fields.n = "1";
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
