import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisTopology } from "../../config/config";
import { confirmDatabase, connectRedis } from "./redis-connection";

/**
 * Connects to Redis as the topology says. Whatever the topology, the stores
 * get the same command surface (a Cluster routes each command by its key's
 * slot; every Lua script touches one key, `cred:{<jti>}` or `seen:…`, so
 * none crosses slots). The same fail-fast options as a single server: no
 * offline queue, bounded command time.
 */
export async function connectRedisTopology(url: string, topology: RedisTopology, keyPrefix: string): Promise<Redis> {
  if (topology.mode === "standalone") return connectRedis({ url, keyPrefix });
  const parsed = new URL(url);
  const auth: RedisOptions = {
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
  const failFast = {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2000,
    connectTimeout: 2000,
  } satisfies RedisOptions;
  let client: Redis | Cluster;
  if (topology.mode === "sentinel") {
    client = new Redis({
      ...auth,
      ...failFast,
      keyPrefix,
      lazyConnect: true,
      sentinels: topology.nodes.map(({ host, port }) => ({ host, port })),
      name: topology.sentinelMaster,
      sentinelPassword: auth.password,
      db: Number(parsed.pathname.slice(1) || 0),
    });
  } else {
    client = new Cluster(
      topology.nodes.map(({ host, port }) => ({ host, port })),
      {
        keyPrefix,
        lazyConnect: true,
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        scaleReads: "master",
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
        redisOptions: { ...auth, ...failFast },
      },
    );
  }
  client.on("error", () => undefined); // failures surface on the commands as 503s
  await client.connect();
  if (client instanceof Redis) await confirmDatabase(client);
  await client.ping();
  // Cluster has the command surface of Redis (same methods, defineCommand included).
  return client as unknown as Redis;
}
