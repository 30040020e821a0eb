/**
 * Lua scripts of the approval store: each reads, checks and rewrites one
 * request (a JSON string under KEYS[1]) atomically. cjson turns an empty list
 * into `{}`; the TypeScript side normalizes it back.
 */
export const VOTE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'unknown', ''} end
local r = cjson.decode(raw)
if r.status == 'expired' then return {'already_expired', raw} end
if r.status ~= 'pending' then return {'not_pending', raw} end
if tonumber(ARGV[5]) >= r.expiresAt then
  r.status = 'expired'
  local out = cjson.encode(r)
  redis.call('SET', KEYS[1], out, 'KEEPTTL')
  return {'expired', out}
end
for _, a in ipairs(r.approvals) do
  if a.subject == ARGV[1] then return {'duplicate', raw} end
end
local vote = {subject = ARGV[1], at = tonumber(ARGV[4]), comment = ARGV[3]}
local outcome
if ARGV[2] == '1' then
  table.insert(r.approvals, vote)
  if #r.approvals >= r.count then r.status = 'approved'; outcome = 'approved' else outcome = 'recorded' end
else
  r.rejection = vote; r.status = 'rejected'; outcome = 'rejected'
end
local out = cjson.encode(r)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {outcome, out}
`;

export const COLLECT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'unknown', ''} end
local r = cjson.decode(raw)
if r.agent ~= ARGV[1] then return {'unknown', ''} end
if r.status == 'expired' then return {'already_expired', raw} end
if (r.status == 'pending' or r.status == 'approved') and tonumber(ARGV[2]) >= r.expiresAt then
  r.status = 'expired'
  local out = cjson.encode(r)
  redis.call('SET', KEYS[1], out, 'KEEPTTL')
  return {'expired', out}
end
if r.status == 'collected' then return {'already_collected', raw} end
if r.status ~= 'approved' then return {r.status, raw} end
r.status = 'collected'
local out = cjson.encode(r)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {'collected', out}
`;

export const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
if r.status ~= 'collected' then return 0 end
r.status = 'approved'
redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
return 1
`;

/**
 * KEYS[1] the agent's set of waiting request ids, scored by expiry (ms); ARGV id, expiresAt, max, now, ttl ms.
 * Takes a place for the request unless the agent already has \`max\` unexpired ones: 1 taken, 0 refused.
 */
export const TAKE_PLACE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 1
`;
