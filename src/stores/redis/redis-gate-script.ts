import { CREDENTIAL_LUA } from "./redis-credential-format";

/**
 * The hot path's one Lua script (issue 16): a list of steps run in order,
 * stopping at the first refusal. ARGV[1] names the steps, one letter each; each
 * step takes its keys from KEYS and its arguments from ARGV in turn. The keys
 * and their encodings are those of the single-purpose stores, so admins,
 * kill switches and the gate see one state:
 *
 * - `R` replay marker (RedisReplayGuard): SET NX PX; taken → `{'replay'}`.
 * - `L` rate limit (RedisWindowCounter's HIT): over `max` → `{'rate', which, ms left}`.
 * - `S` suspension (RedisSuspensionStore; keys `suspended`, `revoked-before`): suspended, or,
 *   given an issue time, issued at or before the latest suspension → `{'suspended'}`.
 * - `D` destructive-request count: the hit making it `max + 1` → `{'tripped'}`.
 * - `C` denial count: the hit making it `max + 1` is reported (`tripped` = 1), nothing refused.
 * - `P` credential state and `I` subject index (`cred_put`, `index_add` of redis-credential-format.ts, as RedisTokenStore's PUT and INDEX).
 * - `U` spend one use (`cred_spend`, as RedisTokenStore's SPEND): `{'unknown'|'revoked'|'exhausted'}` or uses left.
 *
 * Returns `{'ok', tripped, usesLeft}` when nothing refused (usesLeft -1 = unlimited).
 */
export const GATE = `${CREDENTIAL_LUA}
local steps = ARGV[1]
local k, a = 0, 1
local function key() k = k + 1; return KEYS[k] end
local function arg() a = a + 1; return ARGV[a] end
local function hit(window)
  local name = key()
  local n = redis.call('INCR', name)
  if n == 1 then redis.call('PEXPIRE', name, window) end
  local ttl = redis.call('PTTL', name)
  if ttl < 0 then redis.call('PEXPIRE', name, window); ttl = tonumber(window) end
  return n, ttl
end
local tripped, uses = 0, -1
for i = 1, #steps do
  local step = string.sub(steps, i, i)
  if step == 'R' then
    local name = key()
    if not redis.call('SET', name, '1', 'PX', arg(), 'NX') then return {'replay'} end
  elseif step == 'L' then
    local window, max, which = arg(), tonumber(arg()), arg()
    local n, ttl = hit(window)
    if n > max then return {'rate', which, ttl} end
  elseif step == 'S' then
    local suspended, mark = redis.call('GET', key()), redis.call('GET', key())
    local issued = arg()
    if suspended then return {'suspended'} end
    if issued ~= '' and mark and tonumber(issued) <= tonumber(mark) then return {'suspended'} end
  elseif step == 'D' or step == 'C' then
    local window, max = arg(), tonumber(arg())
    local n = hit(window)
    if n == max + 1 then
      if step == 'D' then return {'tripped'} end
      tripped = 1
    end
  elseif step == 'P' then
    local name = key()
    local agent, scope, resource, u, ttl, user, env = arg(), arg(), arg(), arg(), arg(), arg(), arg()
    cred_put(name, agent, scope, resource, u, ttl, user, env)
  elseif step == 'I' then
    local name = key()
    local jti, ttl = arg(), arg()
    index_add(name, jti, ttl)
  elseif step == 'U' then
    local ok, value = cred_spend(key())
    if not ok then return {value} end
    uses = value
  end
end
return {'ok', tripped, uses}`;
