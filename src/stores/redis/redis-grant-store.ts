import type { Redis } from "ioredis";
import type { CredentialSubject } from "../../domain/credentials/token-store";
import { ACCESS_TOKENS_PER_GRANT, type GrantState, type GrantStore, type PersonGrant, type RotateResult } from "../../domain/oauth/grant-store";
import { guard } from "./redis-token-store";

/**
 * A grant is a hash under `grant:{<id>}` (d = the grant as JSON, c = hash of the current refresh
 * token, x = revoked, t = recent access-token jtis) with the hashes of spent refresh tokens in the
 * set `grant:{<id>}:used`: one Cluster slot, so rotation is one atomic script. Both expire with the
 * grant. Indexes per subject are sorted sets `grants:{<kind>:<id>}`, like the token store's.
 */
const CREATE = `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'c', ARGV[2], 't', '')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS grant, used set; ARGV presented hash, next hash. Returns {outcome, d, x, t}. */
const ROTATE = `
local v = redis.call('HMGET', KEYS[1], 'd', 'c', 'x', 't')
if not v[1] then return {'unknown'} end
local known = v[2] == ARGV[1] or redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1
if v[3] then
  if known then return {'revoked', v[1], '1', v[4]} end
  return {'unknown'}
end
if v[2] == ARGV[1] then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.max(1, redis.call('PTTL', KEYS[1])))
  redis.call('HSET', KEYS[1], 'c', ARGV[2])
  return {'rotated', v[1], '', v[4]}
end
if not known then return {'unknown'} end
redis.call('HSET', KEYS[1], 'x', '1')
return {'reused', v[1], '1', v[4]}`;

/** KEYS grant. Marks it revoked; returns {d, t} when it was live, or nothing. */
const REVOKE = `
local v = redis.call('HMGET', KEYS[1], 'd', 'x', 't')
if not v[1] or v[2] then return false end
redis.call('HSET', KEYS[1], 'x', '1')
return {v[1], v[3]}`;

/** KEYS grant; ARGV jti, how many to keep. */
const NOTE = `
local t = redis.call('HGET', KEYS[1], 't')
if not t then return 0 end
local list = {}
for jti in string.gmatch(t, '%S+') do table.insert(list, jti) end
table.insert(list, ARGV[1])
while #list > tonumber(ARGV[2]) do table.remove(list, 1) end
redis.call('HSET', KEYS[1], 't', table.concat(list, ' '))
return 1`;

/** Server time in ms (scripts are replicated by effect, so TIME is allowed). */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * A grant's subject index (`grants:{<kind>:<id>}`): a sorted set of grant ids scored by their expiry in ms,
 * trimmed of expired members on every write and expiring with its longest-lived member (grants are few and
 * long-lived; credentials use the bucketed sets of redis-credential-format.ts). KEYS[1] index; ARGV id, ttl ms.
 */
const INDEX = `
${NOW_MS}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

/** KEYS[1] grant index. Returns the ids that have not expired. */
const LIVE_MEMBERS = `
${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

interface GrantScripts {
  locksmithGrantCreate(grant: string, used: string, data: string, current: string, ttlMs: number): Promise<number>;
  locksmithGrantRotate(grant: string, used: string, presented: string, next: string): Promise<string[]>;
  locksmithGrantRevoke(grant: string): Promise<[string, string] | null>;
  locksmithGrantNote(grant: string, jti: string, keep: number): Promise<number>;
  locksmithGrantIndex(index: string, member: string, ttlMs: number): Promise<number>;
  locksmithGrantLiveMembers(index: string): Promise<string[]>;
}

export class RedisGrantStore implements GrantStore {
  private readonly redis: Redis & GrantScripts;

  constructor(redis: Redis) {
    redis.defineCommand("locksmithGrantCreate", { numberOfKeys: 2, lua: CREATE });
    redis.defineCommand("locksmithGrantRotate", { numberOfKeys: 2, lua: ROTATE });
    redis.defineCommand("locksmithGrantRevoke", { numberOfKeys: 1, lua: REVOKE });
    redis.defineCommand("locksmithGrantNote", { numberOfKeys: 1, lua: NOTE });
    // Own command names: RedisTokenStore defines locksmithIndex on the same client with its (bucketed) index.
    redis.defineCommand("locksmithGrantIndex", { numberOfKeys: 1, lua: INDEX });
    redis.defineCommand("locksmithGrantLiveMembers", { numberOfKeys: 1, lua: LIVE_MEMBERS });
    this.redis = redis as Redis & GrantScripts;
  }

  create(grant: PersonGrant, refreshHash: string): Promise<void> {
    return guard(async () => {
      const ttlMs = Math.max(1, grant.expiresAt - Date.now());
      await Promise.all([
        ...subjectsOfGrant(grant).map((subject) => this.redis.locksmithGrantIndex(indexKey(subject), grant.id, ttlMs)),
        this.redis.locksmithGrantCreate(grantKey(grant.id), usedKey(grant.id), JSON.stringify(grant), refreshHash, ttlMs),
      ]);
    });
  }

  get(id: string): Promise<GrantState | undefined> {
    return guard(async () => {
      const [data, revoked, tokens] = await this.redis.hmget(grantKey(id), "d", "x", "t");
      return data === null ? undefined : stateOf(data, revoked !== null, tokens);
    });
  }

  rotate(id: string, presented: string, next: string): Promise<RotateResult> {
    return guard(async () => {
      const [outcome, data, revoked, tokens] = await this.redis.locksmithGrantRotate(grantKey(id), usedKey(id), presented, next);
      if (outcome === "unknown") return { outcome };
      return { outcome: outcome as "rotated" | "reused" | "revoked", state: stateOf(data, revoked === "1", tokens) };
    });
  }

  noteAccessToken(id: string, jti: string): Promise<void> {
    return guard(async () => {
      await this.redis.locksmithGrantNote(grantKey(id), jti, ACCESS_TOKENS_PER_GRANT);
    });
  }

  revoke(id: string): Promise<GrantState | undefined> {
    return guard(async () => {
      const answer = await this.redis.locksmithGrantRevoke(grantKey(id));
      return answer ? stateOf(answer[0], true, answer[1]) : undefined;
    });
  }

  listByUser(user: string): Promise<GrantState[]> {
    return guard(async () => {
      const ids = await this.redis.locksmithGrantLiveMembers(indexKey({ kind: "user", id: user }));
      const states = await Promise.all(ids.map((id) => this.get(id)));
      return states.filter((s): s is GrantState => s !== undefined && s.grant.user === user).sort((a, b) => b.grant.grantedAt - a.grant.grantedAt);
    });
  }

  revokeSubject(subject: CredentialSubject): Promise<GrantState[]> {
    return guard(async () => {
      const ids = await this.redis.locksmithGrantLiveMembers(indexKey(subject));
      const revoked = await Promise.all(ids.map((id) => this.revoke(id)));
      return revoked.filter((s): s is GrantState => s !== undefined);
    });
  }
}

const grantKey = (id: string) => `grant:{${id}}`;
const usedKey = (id: string) => `grant:{${id}}:used`;
const indexKey = (subject: CredentialSubject) => `grants:{${subject.kind}:${subject.id}}`;

function subjectsOfGrant(grant: PersonGrant): CredentialSubject[] {
  return [
    { kind: "user", id: grant.user },
    { kind: "agent", id: grant.agent },
    { kind: "environment", id: grant.environment },
  ];
}

function stateOf(data: string, revoked: boolean, tokens: string | null | undefined): GrantState {
  return { grant: JSON.parse(data) as PersonGrant, revoked, accessTokens: (tokens ?? "").split(" ").filter(Boolean) };
}
