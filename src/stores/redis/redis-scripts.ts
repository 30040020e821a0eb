/**
 * Lua scripts that make each token-store operation one atomic round trip.
 * A credential is a small hash under `cred:{<jti>}` (the braces keep all of a
 * credential's keys in one Redis Cluster slot): a = agent, s = scope,
 * r = resource, u = uses left (-1 = unlimited), x = revoked, h = user (when
 * delegated), e = environment, n = its revocation was announced.
 *
 * Revocation by subject reads an index per subject: a sorted set under
 * `subject:{<kind>:<id>}` (its own slot) of jtis scored by their expiry in
 * ms, trimmed of expired members on every write and expiring with its
 * longest-lived member. No SCAN anywhere.
 */

/** KEYS[1] cred key; ARGV agent, scope, resource, uses, ttl ms, user ('' = none), environment ('' = none). */
export const PUT = `
redis.call('HSET', KEYS[1], 'a', ARGV[1], 's', ARGV[2], 'r', ARGV[3], 'u', ARGV[4])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'h', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'e', ARGV[7]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** Server time in ms (scripts are replicated by effect, so TIME is allowed). */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] subject index; ARGV jti, ttl ms. */
export const INDEX = `
${NOW_MS}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

/** KEYS[1] subject index. Returns the jtis that have not expired. */
export const LIVE_MEMBERS = `
${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** Spends one use under Redis's single-threaded execution: no double spend. Returns {ok, usesLeft|reason}. */
export const SPEND = `
local v = redis.call('HMGET', KEYS[1], 'u', 'x')
if not v[1] then return {0, 'unknown'} end
if v[2] then return {0, 'revoked'} end
local u = tonumber(v[1])
if u < 0 then return {1, -1} end
if u == 0 then return {0, 'exhausted'} end
redis.call('HSET', KEYS[1], 'u', u - 1)
return {1, u - 1}`;

/**
 * ARGV[1] holder agent, or '' for an admin; ARGV[2] '1' when the caller announces it by subject (marks n too).
 * Returns {outcome, agent}: already_revoked only once announced (or, by subject, once revoked).
 */
export const REVOKE = `
local v = redis.call('HMGET', KEYS[1], 'a', 'x', 'n')
if not v[1] then return {'unknown', ''} end
if ARGV[1] ~= '' and ARGV[1] ~= v[1] then return {'not_holder', ''} end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'x', '1', 'n', '1')
  if v[2] then return {'already_revoked', v[1]} end
  return {'revoked', v[1]}
end
if v[2] and v[3] then return {'already_revoked', v[1]} end
redis.call('HSET', KEYS[1], 'x', '1')
return {'revoked', v[1]}`;

/** KEYS[1] kill-switch mark of a subject; ARGV epoch ms, memory ms. Keeps the latest time. */
export const MARK_KILLED = `
local at = tonumber(ARGV[1])
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if at > v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/** Marks a credential's revocation announced; never creates the key (it would have no expiry). */
export const MARK_ANNOUNCED = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'n', '1') end
return 1`;
