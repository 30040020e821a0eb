import { generateKeyPairSync, randomUUID, sign, verify } from "node:crypto";
import { Redis } from "ioredis";
import { importJWK, jwtVerify } from "jose";
import { Client } from "pg";
import { signClientAssertion } from "./assertions";
import { adminQuery, type BenchDatabase, REDIS_URL } from "./services";

/** Runs `work` back to back on this one thread for `ms` and returns operations per second. */
async function perSecond(ms: number, work: () => unknown | Promise<unknown>): Promise<number> {
  const end = performance.now() + ms;
  let count = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await work();
    count += 50;
  }
  return count / ((performance.now() - start) / 1000);
}

/**
 * The per-request cryptography alone on one core: verify one EdDSA assertion
 * and sign one EdDSA token. `nodeCrypto` is the floor (node:crypto, synchronous);
 * `asLocksmith` verifies with jose (WebCrypto) as Locksmith does and signs with node:crypto.
 */
export async function cryptoLimit(ms: number): Promise<{ nodeCrypto: number; asLocksmith: number }> {
  const agent = generateKeyPairSync("ed25519");
  const issuerKey = generateKeyPairSync("ed25519").privateKey;
  const assertion = signClientAssertion("agent-1", "k", agent.privateKey, "https://aud");
  const [input, signature] = [assertion.slice(0, assertion.lastIndexOf(".")), Buffer.from(assertion.slice(assertion.lastIndexOf(".") + 1), "base64url")];
  const claims = Buffer.from(JSON.stringify({ iss: "https://aud", sub: "agent-1", jti: randomUUID(), scope: "crm:read", resource: "crm:customers/42" }));
  const nodeCrypto = await perSecond(ms, () => {
    if (!verify(null, Buffer.from(input), agent.publicKey, signature)) throw new Error("verify failed");
    sign(null, claims, issuerKey);
  });
  const joseKey = await importJWK({ ...(agent.publicKey.export({ format: "jwk" }) as object), alg: "EdDSA" }, "EdDSA");
  const asLocksmith = await perSecond(ms, async () => {
    await jwtVerify(assertion, joseKey, { audience: "https://aud" });
    sign(null, claims, issuerKey);
  });
  return { nodeCrypto, asLocksmith };
}

/** Redis round trips per second: `inFlight` concurrent loops of one EVALSHA-free SET with PX each (no pipelining). */
export async function redisLimit(ms: number, prefix: string, inFlight = 64): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let count = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      while (performance.now() < end) {
        await redis.set(`${prefix}rt:${lane}`, "1", "PX", 10_000);
        count++;
      }
    }),
  );
  const rate = count / ((performance.now() - start) / 1000);
  redis.disconnect();
  return rate;
}

/** Durable single-row INSERT commits per second over `connections` connections (synchronous_commit=on). */
export async function postgresLimit(ms: number, database: BenchDatabase, connections = 16): Promise<{ rate: number; synchronousCommit: string }> {
  await adminQuery(
    "CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial primary key, payload text not null, at timestamptz not null default now())",
    database.url,
  );
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      return client;
    }),
  );
  const synchronousCommit = String((await clients[0].query("SHOW synchronous_commit")).rows[0].synchronous_commit);
  let count = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        await client.query("INSERT INTO bench_inserts (payload) VALUES ($1)", ["issued agent-1 crm:read crm:customers/42"]);
        count++;
      }
    }),
  );
  const rate = count / ((performance.now() - start) / 1000);
  await Promise.all(clients.map((c) => c.end()));
  return { rate, synchronousCommit };
}
