import type { CredentialState, CredentialSubject } from "../../domain/credentials/token-store";

/**
 * The ONE definition of how a live credential and its subject indexes are laid
 * out in Redis (issue 16: ≤ 350 bytes per live credential). Every script that
 * touches them — RedisTokenStore's and the request gate's — is built from the
 * Lua below, so the two can never disagree.
 *
 * A credential is one string under `cred:{<jti>}` (the braces keep its keys in
 * one Cluster slot), expiring with the credential:
 *
 *   `L` <flags> <uses> `;` <agent> <scope> <resource> <user> <environment>
 *
 * `L` names the format; flags is one digit, 1 = revoked + 2 = its revocation
 * was announced; uses is the uses left in decimal (-1 = unlimited); each text
 * field is `<byte length>:<bytes>` (empty = none), so no character in a value
 * can be mistaken for a separator. A value in any other shape (the hash of
 * earlier versions, anything unparsable) reads as no credential: refused,
 * never active.
 *
 * Revocation by subject reads an index per subject (see `indexEntries`: an
 * environment's lists agents, the others list credentials): plain sets of jtis (as
 * `indexMember` writes them: 22 characters for a UUID) under
 * `idx:{<kind>:<id>}:<bucket>`, one per expiry bucket of `BUCKET_MS`, each
 * expiring at its bucket's end (after every credential in it), and a small
 * sorted set `idx:{<kind>:<id>}` of the live buckets scored by their end
 * (one entry per bucket, not per credential), trimmed on every write. All of
 * a subject's keys share its hash tag (one slot). No SCAN anywhere.
 */

export const credKey = (jti: string): string => `cred:{${jti}}`;
export const subjectIndexKey = (subject: CredentialSubject): string => `idx:{${subject.kind}:${subject.id}}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A jti as an index member: a (lower-case) UUID as the 22 base64url characters of its 16 bytes, anything else `~` + itself. */
export function indexMember(jti: string): string {
  return UUID.test(jti) ? Buffer.from(jti.replaceAll("-", ""), "hex").toString("base64url") : `~${jti}`;
}

/**
 * Where a credential is indexed: its agent's and its user's indexes list the credential (`indexMember`);
 * its environment's lists only its agent (one entry per agent and bucket, not per credential), so
 * revoking an environment reads the indexes of the agents listed there and revokes those of their
 * credentials that are of the environment.
 */
export function indexEntries(jti: string, state: Pick<CredentialState, "agent" | "user" | "environment">): { key: string; member: string }[] {
  return [
    { key: subjectIndexKey({ kind: "agent", id: state.agent }), member: indexMember(jti) },
    ...(state.user === undefined ? [] : [{ key: subjectIndexKey({ kind: "user", id: state.user }), member: indexMember(jti) }]),
    ...(state.environment === undefined ? [] : [{ key: subjectIndexKey({ kind: "environment", id: state.environment }), member: state.agent }]),
  ];
}

/** The jti an index member stands for (the inverse of indexMember). */
export function jtiOfMember(member: string): string {
  if (member.startsWith("~")) return member.slice(1);
  const hex = Buffer.from(member, "base64url").toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Width of an index bucket: a set lingers at most this long after its last credential expired. */
export const BUCKET_MS = 60_000;

/**
 * Lua helpers every credential script starts with:
 * - `now_ms()` server time in ms (scripts are replicated by effect, so TIME is allowed);
 * - `cred_read(key)` the decoded credential `{flags, uses, agent, scope, resource, user, env}`, or nil;
 * - `cred_put(key, agent, scope, resource, uses, ttl ms, user, env)` a new credential;
 * - `cred_save(key, c)` rewrites it, keeping its time to live;
 * - `cred_spend(key)` spends one use: `true, usesLeft` (-1 unlimited) or `false, 'unknown'|'revoked'|'exhausted'`;
 * - `index_add(key, jti, ttl ms)` and `index_members(key)` (jtis of live buckets) for a subject index.
 */
export const CREDENTIAL_LUA = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function field(s) return #s .. ':' .. s end
local function cred_encode(c)
  return 'L' .. c.flags .. c.uses .. ';' .. field(c.agent) .. field(c.scope) .. field(c.resource) .. field(c.user) .. field(c.env)
end
local function cred_read(name)
  local v = redis.pcall('GET', name)
  if type(v) ~= 'string' or string.sub(v, 1, 1) ~= 'L' then return nil end
  local semi = string.find(v, ';', 3, true)
  if not semi then return nil end
  local c = {flags = tonumber(string.sub(v, 2, 2)), uses = tonumber(string.sub(v, 3, semi - 1))}
  if not c.flags or not c.uses then return nil end
  local pos = semi + 1
  for _, part in ipairs({'agent', 'scope', 'resource', 'user', 'env'}) do
    local colon = string.find(v, ':', pos, true)
    if not colon then return nil end
    local len = tonumber(string.sub(v, pos, colon - 1))
    if not len or colon + len > #v then return nil end
    c[part] = string.sub(v, colon + 1, colon + len)
    pos = colon + 1 + len
  end
  if pos ~= #v + 1 or c.agent == '' then return nil end
  return c
end
local function cred_put(name, agent, scope, resource, uses, ttl, user, env)
  local c = {flags = 0, uses = tonumber(uses), agent = agent, scope = scope, resource = resource, user = user, env = env}
  redis.call('SET', name, cred_encode(c), 'PX', ttl)
end
local function cred_save(name, c)
  redis.call('SET', name, cred_encode(c), 'KEEPTTL')
end
local function cred_spend(name)
  local c = cred_read(name)
  if not c then return false, 'unknown' end
  if c.flags % 2 == 1 then return false, 'revoked' end
  if c.uses < 0 then return true, -1 end
  if c.uses == 0 then return false, 'exhausted' end
  c.uses = c.uses - 1
  cred_save(name, c)
  return true, c.uses
end
local function index_add(name, jti, ttl)
  local now = now_ms()
  -- Ends after the credential does, with slack for the state written a moment later (or on another node).
  local bucket = math.floor((now + tonumber(ttl) + 5000) / ${BUCKET_MS}) + 1
  local ends = bucket * ${BUCKET_MS}
  local set = name .. ':' .. bucket
  redis.call('SADD', set, jti)
  redis.call('PEXPIREAT', set, ends)
  redis.call('ZREMRANGEBYSCORE', name, '-inf', now)
  redis.call('ZADD', name, ends, bucket)
  if redis.call('PTTL', name) < ends - now then redis.call('PEXPIREAT', name, ends) end
end
local function index_members(name)
  redis.call('ZREMRANGEBYSCORE', name, '-inf', now_ms())
  local out = {}
  for _, bucket in ipairs(redis.call('ZRANGE', name, 0, -1)) do
    for _, jti in ipairs(redis.call('SMEMBERS', name .. ':' .. bucket)) do out[#out + 1] = jti end
  end
  return out
end
`;
