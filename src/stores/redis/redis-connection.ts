import { Redis } from "ioredis";

export interface RedisSettings {
  readonly url: string;
  /** Prepended to every key (tests give each file its own). */
  readonly keyPrefix: string;
  readonly commandTimeoutMs?: number;
}

/**
 * Opens the Redis connection and waits until it answers. Commands are
 * auto-pipelined (concurrent requests share round trips), time out, and fail
 * at once while disconnected instead of queueing, so a Redis outage is a fast
 * 503 rather than a hung request.
 */
export async function connectRedis(settings: RedisSettings): Promise<Redis> {
  const redis = new Redis(settings.url, {
    keyPrefix: settings.keyPrefix,
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: settings.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on("error", () => undefined); // failures surface on the commands as 503s; the logger reports readiness
  await redis.connect();
  await confirmDatabase(redis);
  await redis.ping();
  return redis;
}

/**
 * ioredis sends the URL's `/<db>` as SELECT on connect but only emits an error when Redis refuses it,
 * then carries on in database 0: a typo would silently share another application's keys. Select
 * again and let the refusal (`ERR DB index is out of range`) fail the start.
 */
export async function confirmDatabase(redis: Redis): Promise<void> {
  const db = redis.options.db ?? 0;
  if (db !== 0) await redis.select(db);
}
