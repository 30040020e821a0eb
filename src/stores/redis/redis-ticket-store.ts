import type { Redis } from "ioredis";
import type { TakeResult, TicketStore } from "../../domain/tickets/ticket-store";
import { guard } from "./redis-token-store";

/** KEYS[1] ticket hash (v = value, x = spent). Marks it spent, keeping its expiry; returns {status, value}. */
const TAKE = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {'unknown', ''} end
if redis.call('HSETNX', KEYS[1], 'x', '1') == 0 then return {'spent', v} end
return {'fresh', v}`;

/** KEYS[1] ticket hash; ARGV value, ttl ms. Replaces any earlier ticket under the id. */
const PUT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Tickets as small hashes under `ticket:{<id>}`; `take` is one Lua script, so a code is spent exactly once across replicas. */
export class RedisTicketStore implements TicketStore {
  constructor(private readonly redis: Redis) {
    redis.defineCommand("locksmithTakeTicket", { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand("locksmithPutTicket", { numberOfKeys: 1, lua: PUT });
  }

  private get scripts(): TicketScripts {
    return this.redis as unknown as TicketScripts;
  }

  put(id: string, value: string, ttlMs: number): Promise<void> {
    return guard(async () => {
      await this.scripts.locksmithPutTicket(key(id), value, Math.max(1, Math.ceil(ttlMs)));
    });
  }

  get(id: string): Promise<string | undefined> {
    return guard(async () => {
      const [value, spent] = await this.redis.hmget(key(id), "v", "x");
      return value !== null && spent === null ? value : undefined;
    });
  }

  take(id: string): Promise<TakeResult> {
    return guard(async () => {
      const [status, value] = await this.scripts.locksmithTakeTicket(key(id));
      return status === "unknown" ? { status } : { status: status as "fresh" | "spent", value };
    });
  }

  remove(id: string): Promise<void> {
    return guard(async () => {
      await this.redis.del(key(id));
    });
  }
}

interface TicketScripts {
  locksmithPutTicket(key: string, value: string, ttlMs: number): Promise<number>;
  locksmithTakeTicket(key: string): Promise<[string, string]>;
}

const key = (id: string) => `ticket:{${id}}`;
