import { CREDENTIAL_LUA } from "./redis-credential-format";

/**
 * Lua scripts that make each token-store operation one atomic round trip. The
 * credential's encoding and its subject indexes are those of
 * redis-credential-format.ts (the request gate's script is built from it too).
 */

/** KEYS[1] cred key; ARGV agent, scope, resource, uses, ttl ms, user ('' = none), environment ('' = none). */
export const PUT = `${CREDENTIAL_LUA}
cred_put(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
return 1`;

/** KEYS[1] cred key. Returns {agent, scope, resource, uses, flags, user, environment}, or nil when there is none (or it is unreadable). */
export const GET_STATE = `${CREDENTIAL_LUA}
local c = cred_read(KEYS[1])
if not c then return nil end
return {c.agent, c.scope, c.resource, tostring(c.uses), tostring(c.flags), c.user, c.env}`;

/** KEYS[1] subject index; ARGV jti, ttl ms. */
export const INDEX = `${CREDENTIAL_LUA}
index_add(KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** KEYS[1] subject index. Returns the jtis of its live buckets (a few may have just expired). */
export const LIVE_MEMBERS = `${CREDENTIAL_LUA}
return index_members(KEYS[1])`;

/** Spends one use under Redis's single-threaded execution: no double spend. Returns {ok, usesLeft|reason}. */
export const SPEND = `${CREDENTIAL_LUA}
local ok, value = cred_spend(KEYS[1])
if ok then return {1, value} end
return {0, value}`;

/**
 * ARGV[1] holder agent, or '' for an admin; ARGV[2] '1' when the caller announces it by subject (marks it announced too);
 * ARGV[3] (optional) only a credential of this environment, else `other_environment`.
 * Returns {outcome, agent}: already_revoked only once announced (or, by subject, once revoked).
 */
export const REVOKE = `${CREDENTIAL_LUA}
local c = cred_read(KEYS[1])
if not c then return {'unknown', ''} end
if ARGV[3] and ARGV[3] ~= '' and ARGV[3] ~= c.env then return {'other_environment', ''} end
if ARGV[1] ~= '' and ARGV[1] ~= c.agent then return {'not_holder', ''} end
local revoked, announced = c.flags % 2 == 1, c.flags >= 2
if ARGV[2] == '1' then
  if c.flags ~= 3 then c.flags = 3; cred_save(KEYS[1], c) end
  if revoked then return {'already_revoked', c.agent} end
  return {'revoked', c.agent}
end
if revoked and announced then return {'already_revoked', c.agent} end
if not revoked then c.flags = c.flags + 1; cred_save(KEYS[1], c) end
return {'revoked', c.agent}`;

/** KEYS[1] kill-switch mark of a subject; ARGV epoch ms, memory ms. Keeps the latest time. */
export const MARK_KILLED = `
local at = tonumber(ARGV[1])
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if at > v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/** Marks a credential's revocation announced; never creates the key (it would have no expiry). */
export const MARK_ANNOUNCED = `${CREDENTIAL_LUA}
local c = cred_read(KEYS[1])
if c and c.flags < 2 then c.flags = c.flags + 2; cred_save(KEYS[1], c) end
return 1`;
