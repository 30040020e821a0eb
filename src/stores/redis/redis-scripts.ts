/**
 * Lua scripts that make each token-store operation one atomic round trip.
 * A credential is a small hash under `cred:{<jti>}` (the braces keep all of a
 * credential's keys in one Redis Cluster slot): a = agent, s = scope,
 * r = resource, u = uses left (-1 = unlimited), x = revoked.
 */

/** KEYS[1] cred key; ARGV agent, scope, resource, uses, ttl ms. */
export const PUT = `
redis.call('HSET', KEYS[1], 'a', ARGV[1], 's', ARGV[2], 'r', ARGV[3], 'u', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

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

/** ARGV[1] holder agent, or '' for an admin. Returns {outcome, agent}. */
export const REVOKE = `
local v = redis.call('HMGET', KEYS[1], 'a', 'x')
if not v[1] then return {'unknown', ''} end
if ARGV[1] ~= '' and ARGV[1] ~= v[1] then return {'not_holder', ''} end
if v[2] then return {'already_revoked', v[1]} end
redis.call('HSET', KEYS[1], 'x', '1')
return {'revoked', v[1]}`;
