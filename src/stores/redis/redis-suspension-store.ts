import type { Redis } from "ioredis";
import { REVOCATION_MEMORY_MS, type SuspensionStatus, type SuspensionStore } from "../../domain/agents/suspension-store";
import { guard } from "./redis-token-store";

const suspendedKey = (agent: string) => `suspended:{${agent}}`;
const watermarkKey = (agent: string) => `revoked-before:{${agent}}`;

/**
 * Suspended agents in Redis, shared by every replica: `suspended:{agent}` while
 * suspended (no expiry, or a timed suspension's length), `revoked-before:{agent}` = the suspension time, kept as
 * long as a credential issued before it could live. Both keys share a hash slot.
 */
export class RedisSuspensionStore implements SuspensionStore {
  constructor(private readonly redis: Redis) {}

  suspend(agent: string, atMs: number, forMs?: number): Promise<boolean> {
    return guard(async () => {
      const transaction = this.redis.multi();
      if (forMs === undefined) transaction.set(suspendedKey(agent), String(atMs), "NX");
      else transaction.set(suspendedKey(agent), String(atMs), "PX", Math.max(1, Math.round(forMs)), "NX");
      const results = await transaction.set(watermarkKey(agent), String(atMs), "PX", REVOCATION_MEMORY_MS).exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
      return results[0][1] === "OK";
    });
  }

  resume(agent: string): Promise<boolean> {
    return guard(async () => (await this.redis.del(suspendedKey(agent))) === 1);
  }

  status(agent: string): Promise<SuspensionStatus> {
    return guard(async () => {
      const [suspended, mark] = await this.redis.mget(suspendedKey(agent), watermarkKey(agent));
      return { suspended: suspended !== null, ...(mark === null ? {} : { revokedBefore: Number(mark) }) };
    });
  }
}
