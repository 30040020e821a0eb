import { loadConfig } from "../../../src/config/config";

// Settings for running Locksmith in production: key encryption, key polling, Redis topologies, read replica, metrics.

const PRODUCTION = {
  REDIS_URL: "redis://redis-a:6379",
  DATABASE_URL: "postgres://db/locksmith",
  LOCKSMITH_POLICY: "policy.yaml",
  LOCKSMITH_KEYS_FILE: "keys.json",
  LOCKSMITH_LEDGER_KEY_FILE: "ledger-key.json",
  LOCKSMITH_ISSUER: "https://locksmith.example.com",
};
const KEK = Buffer.alloc(32, 7).toString("base64");

const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("accepted settings that should be refused");
};

test("a cluster reads its seed nodes from REDIS_URL and REDIS_NODES", () => {
  const config = loadConfig({ ...PRODUCTION, LOCKSMITH_REDIS_MODE: "cluster", REDIS_NODES: "redis-b:6380,redis-c:6381" });

  expect(config.redisTopology).toEqual({
    mode: "cluster",
    nodes: [
      { host: "redis-a", port: 6379 },
      { host: "redis-b", port: 6380 },
      { host: "redis-c", port: 6381 },
    ],
    sentinelMaster: undefined,
  });
});

test("sentinel mode needs the master group's name", () => {
  expect(refusal({ ...PRODUCTION, LOCKSMITH_REDIS_MODE: "sentinel" })).toMatch(/REDIS_SENTINEL_MASTER: is required when LOCKSMITH_REDIS_MODE is sentinel/);
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_REDIS_MODE: "sentinel", REDIS_SENTINEL_MASTER: "locksmith" }).redisTopology.sentinelMaster).toBe("locksmith");
});

test("a key encryption key must be 32 bytes of base64, and its id defaults to env", () => {
  expect(refusal({ ...PRODUCTION, LOCKSMITH_KEYS_KEK: "c2hvcnQ=" })).toMatch(/LOCKSMITH_KEYS_KEK: must be 32 bytes, base64-encoded/);
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_KEYS_KEK: KEK }).keysKek).toEqual({ key: KEK, id: "env" });
});

test("every bad operating setting is named in one message", () => {
  const message = refusal({
    ...PRODUCTION,
    REDIS_NODES: "nohost",
    DATABASE_READ_URL: "mysql://x",
    LOCKSMITH_KEYS_POLL_SECONDS: "0",
    LOCKSMITH_METRICS: "maybe",
  });

  for (const key of ["REDIS_NODES", "DATABASE_READ_URL", "LOCKSMITH_KEYS_POLL_SECONDS", "LOCKSMITH_METRICS"]) expect(message).toContain(`${key}:`);
});

test("the keys file is polled every 2 s unless told otherwise, and metrics are on", () => {
  expect(loadConfig(PRODUCTION)).toMatchObject({ keysPollMs: 2000, metrics: true });
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_KEYS_POLL_SECONDS: "0.5", LOCKSMITH_METRICS: "off" })).toMatchObject({ keysPollMs: 500, metrics: false });
});

test("LOCKSMITH_TRUST_PROXY: nobody by default; true, a hop count, or addresses; anything else refused by name", () => {
  expect(loadConfig(PRODUCTION).trustProxy).toBe(false);
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_TRUST_PROXY: "1" }).trustProxy).toBe(1);
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_TRUST_PROXY: "true" }).trustProxy).toBe(true);
  expect(loadConfig({ ...PRODUCTION, LOCKSMITH_TRUST_PROXY: "10.0.0.0/8, loopback,fd00::1" }).trustProxy).toEqual(["10.0.0.0/8", "loopback", "fd00::1"]);
  for (const bad of ["yes", "10.0.0.0/33", "nginx", "10.0.0.1/8/2"])
    expect(refusal({ ...PRODUCTION, LOCKSMITH_TRUST_PROXY: bad })).toMatch(/LOCKSMITH_TRUST_PROXY: must be/);
});
