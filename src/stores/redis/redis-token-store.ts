import type { Redis } from "ioredis";
import {
  KILL_SWITCH_MEMORY_MS,
  type CredentialState,
  type CredentialSubject,
  type RevokeResult,
  type SpendResult,
  type TokenStore,
} from "../../domain/credentials/token-store";
import { StoreUnavailableError } from "../../domain/errors";
import { credKey, indexEntries, jtiOfMember, subjectIndexKey as subjectKey } from "./redis-credential-format";
import { GET_STATE, INDEX, LIVE_MEMBERS, MARK_ANNOUNCED, MARK_KILLED, PUT, REVOKE, SPEND } from "./redis-scripts";

interface ScriptCommands {
  locksmithPut(key: string, agent: string, scope: string, resource: string, uses: number, ttlMs: number, user: string, environment: string): Promise<number>;
  locksmithGetState(key: string): Promise<[string, string, string, string, string, string, string] | null>;
  locksmithIndex(key: string, jti: string, ttlMs: number): Promise<number>;
  locksmithLiveMembers(key: string): Promise<string[]>;
  locksmithSpend(key: string): Promise<[number, number | string]>;
  locksmithRevoke(key: string, holder: string, bySubject: string, environment?: string): Promise<[RevokeResult["outcome"] | "other_environment", string]>;
  locksmithMarkKilled(key: string, atMs: number, memoryMs: number): Promise<number>;
  locksmithMarkAnnounced(key: string): Promise<number>;
}

const killedKey = (subject: CredentialSubject) => `killed:{${subject.kind}:${subject.id}}`;

/**
 * Live credential state in Redis. Each operation is one Lua script (one round
 * trip, atomic); the key expires with the credential. The key is the jti, never
 * the token, so a Redis dump holds nothing a thief could present.
 */
export class RedisTokenStore implements TokenStore {
  private readonly redis: Redis & ScriptCommands;

  constructor(redis: Redis) {
    redis.defineCommand("locksmithPut", { numberOfKeys: 1, lua: PUT });
    redis.defineCommand("locksmithGetState", { numberOfKeys: 1, lua: GET_STATE });
    redis.defineCommand("locksmithSpend", { numberOfKeys: 1, lua: SPEND });
    redis.defineCommand("locksmithRevoke", { numberOfKeys: 1, lua: REVOKE });
    redis.defineCommand("locksmithMarkAnnounced", { numberOfKeys: 1, lua: MARK_ANNOUNCED });
    redis.defineCommand("locksmithIndex", { numberOfKeys: 1, lua: INDEX });
    redis.defineCommand("locksmithLiveMembers", { numberOfKeys: 1, lua: LIVE_MEMBERS });
    redis.defineCommand("locksmithMarkKilled", { numberOfKeys: 1, lua: MARK_KILLED });
    this.redis = redis as Redis & ScriptCommands;
  }

  put(jti: string, state: Omit<CredentialState, "revoked">, ttlMs: number): Promise<void> {
    return guard(async () => {
      // Sent together (auto-pipelined: one round trip on the issuance path), the index scripts first. If any
      // fails, put rejects and the credential is never handed out, so a state left without its index
      // belongs to a token nobody holds; a failed state write leaves at most a stale index entry.
      await Promise.all([
        ...indexEntries(jti, state).map((entry) => this.redis.locksmithIndex(entry.key, entry.member, ttlMs)),
        this.redis.locksmithPut(credKey(jti), state.agent, state.scope, state.resource, state.usesLeft ?? -1, ttlMs, state.user ?? "", state.environment ?? ""),
      ]);
    });
  }

  get(jti: string): Promise<CredentialState | undefined> {
    return guard(async () => {
      const fields = await this.redis.locksmithGetState(credKey(jti));
      if (!fields) return undefined;
      const [agent, scope, resource, usesText, flags, user, environment] = fields;
      const uses = Number(usesText);
      return {
        agent,
        ...(user === "" ? {} : { user }),
        ...(environment === "" ? {} : { environment }),
        scope,
        resource,
        usesLeft: uses < 0 ? null : uses,
        revoked: Number(flags) % 2 === 1,
      };
    });
  }

  spend(jti: string): Promise<SpendResult> {
    return guard(async () => {
      const [ok, value] = await this.redis.locksmithSpend(credKey(jti));
      if (ok === 1) return { ok: true, usesLeft: Number(value) < 0 ? null : Number(value) };
      return { ok: false, reason: value as "unknown" | "revoked" | "exhausted" };
    });
  }

  revoke(jti: string, holder?: string): Promise<RevokeResult> {
    return guard(async () => {
      const [outcome, agent] = await this.redis.locksmithRevoke(credKey(jti), holder ?? "", "0");
      if (outcome === "other_environment") throw new Error("unreachable: no environment was asked for");
      return agent ? { outcome, agent } : { outcome };
    });
  }

  markAnnounced(jti: string): Promise<void> {
    return guard(async () => void (await this.redis.locksmithMarkAnnounced(credKey(jti))));
  }

  revokeSubject(subject: CredentialSubject, atMs: number): Promise<number> {
    return guard(async () => {
      // Marked first: an approved request of the subject made before now can no longer be collected, even if the revocation below fails half way.
      await this.redis.locksmithMarkKilled(killedKey(subject), atMs, KILL_SWITCH_MEMORY_MS);
      const members = await this.redis.locksmithLiveMembers(subjectKey(subject));
      // An environment's index lists its agents: their credentials, filtered by environment in the script.
      const environment = subject.kind === "environment" ? subject.id : "";
      const agents = subject.kind === "environment" ? [...new Set(members)] : [];
      const jtis =
        subject.kind === "environment"
          ? (await Promise.all(agents.map((agent) => this.redis.locksmithLiveMembers(subjectKey({ kind: "agent", id: agent }))))).flat().map(jtiOfMember)
          : members.map(jtiOfMember);
      // One script per credential: each credential's keys live in their own slot, so this also works on Redis Cluster.
      const results = await Promise.all([...new Set(jtis)].map((jti) => this.redis.locksmithRevoke(credKey(jti), "", "1", environment)));
      return results.filter(([outcome]) => outcome === "revoked").length;
    });
  }

  lastRevocation(subjects: readonly CredentialSubject[]): Promise<number | undefined> {
    return guard(async () => {
      // One GET per subject (each in its own Cluster slot), sent together.
      const marks = (await Promise.all(subjects.map((subject) => this.redis.get(killedKey(subject))))).filter((v): v is string => v !== null).map(Number);
      return marks.length > 0 ? Math.max(...marks) : undefined;
    });
  }

  remove(jti: string): Promise<void> {
    return guard(async () => {
      await this.redis.del(credKey(jti));
    });
  }
}

/** Any Redis failure (down, time-out, OOM) becomes a 503: fail closed, never a half answer. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StoreUnavailableError("Redis", error);
  }
}
