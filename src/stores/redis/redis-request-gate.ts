import { Cluster, type Redis } from "ioredis";
import type { Admission, AdmissionResult, CallerChecks, Redemption, RedemptionResult, RequestGate } from "../../domain/credentials/request-gate";
import { credKey, indexEntries } from "./redis-credential-format";
import { GATE } from "./redis-gate-script";
import { guard } from "./redis-token-store";

interface Step {
  readonly code: string;
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

type Reply = [string, ...(string | number)[]];

/**
 * The hot path's one store call on Redis: the request's steps as ONE script
 * call (EVALSHA of `GATE`), one round trip, atomic. On Redis Cluster a script
 * may only touch one slot, so the steps are sent as consecutive runs that share
 * a hash tag, in order, each its own script call (the replay marker, the
 * agent's rate limit, the environment's, then `{agent}`: suspension and
 * breaker counts); a refusal stops the rest, so the order of effects is the
 * standalone one. The credential's writes (`cred:{jti}`, each subject index)
 * then go together, as `RedisTokenStore.put` sends them.
 */
export class RedisRequestGate implements RequestGate {
  private readonly redis: Redis & Record<string, (...keysThenArgs: (string | number)[]) => Promise<Reply>>;
  private readonly cluster: boolean;

  constructor(redis: Redis) {
    // One command per key count, the same script (one SHA): with a fixed numberOfKeys ioredis routes and
    // auto-pipelines a call by its first key, which a Cluster needs (a variable count would be routed by "numkeys").
    for (let count = 1; count <= MAX_KEYS; count++) redis.defineCommand(`locksmithGate${count}`, { numberOfKeys: count, lua: GATE });
    this.redis = redis as RedisRequestGate["redis"];
    this.cluster = (redis as unknown) instanceof Cluster;
  }

  admit(admission: Admission): Promise<AdmissionResult> {
    return guard(async () => {
      const steps = [...callerSteps(admission)];
      if (admission.suspendedAgent !== undefined) steps.push(suspension(admission.suspendedAgent, ""));
      if (admission.destructive)
        steps.push({ code: "D", keys: [admission.destructive.key], args: [window(admission.destructive.windowMs), admission.destructive.max] });
      if (admission.denial) steps.push({ code: "C", keys: [admission.denial.key], args: [window(admission.denial.windowMs), admission.denial.max] });
      if (admission.credential) steps.push(...putSteps(admission.credential));
      const reply = await this.run(steps);
      if (reply[0] === "ok") return { ok: true, denialTripped: Number(reply[1]) === 1 };
      if (reply[0] === "rate") return { ok: false, failed: "rate_limited", which: String(reply[1]), resetInMs: Number(reply[2]) };
      return { ok: false, failed: reply[0] as "replay" | "suspended" | "tripped" };
    });
  }

  redeem(redemption: Redemption): Promise<RedemptionResult> {
    return guard(async () => {
      const steps = [
        ...callerSteps(redemption),
        suspension(redemption.agent, String(redemption.issuedAtMs)),
        { code: "U", keys: [credKey(redemption.jti)], args: [] },
      ];
      const reply = await this.run(steps);
      if (reply[0] === "ok") return { ok: true, usesLeft: Number(reply[2]) < 0 ? null : Number(reply[2]) };
      if (reply[0] === "rate") return { ok: false, reason: "rate_limited", which: String(reply[1]), resetInMs: Number(reply[2]) };
      if (reply[0] === "suspended") return { ok: false, reason: "agent_suspended" };
      return { ok: false, reason: reply[0] as "replay" | "unknown" | "revoked" | "exhausted" };
    });
  }

  private async run(steps: readonly Step[]): Promise<Reply> {
    if (!this.cluster) return this.call(steps);
    // Cluster: the checks run by run, in order (a refusal stops the rest); the credential's writes (indexes,
    // state) then go together, as RedisTokenStore.put sends them: their slots differ, their order does not matter.
    const writes = steps.filter((step) => step.code === "I" || step.code === "P");
    let tripped = 0;
    let last: Reply = ["ok", 0, -1];
    for (const run of runsBySlot(steps.filter((step) => !writes.includes(step)))) {
      last = await this.call(run);
      if (last[0] !== "ok") return last;
      tripped = Math.max(tripped, Number(last[1]));
    }
    await Promise.all(runsBySlot(writes).map((run) => this.call(run)));
    return ["ok", tripped, last[2] ?? -1];
  }

  private async call(steps: readonly Step[]): Promise<Reply> {
    if (steps.length === 0) return ["ok", 0, -1];
    const keys = steps.flatMap((step) => step.keys);
    if (keys.length > MAX_KEYS) throw new Error(`a gate call of ${keys.length} keys`);
    return this.redis[`locksmithGate${keys.length}`](...keys, steps.map((step) => step.code).join(""), ...steps.flatMap((step) => step.args));
  }
}

/** The most keys one call takes: replay 1, limits 2, suspension 2, breaker 2, state 1, indexes 3. */
const MAX_KEYS = 12;

const window = (ms: number) => Math.max(1, Math.round(ms));

const callerSteps = (checks: CallerChecks): Step[] => [
  ...(checks.replay ? [{ code: "R", keys: [`seen:${checks.replay.key}`], args: [Math.max(1, checks.replay.ttlMs)] }] : []),
  ...(checks.limits ?? []).map((limit) => ({ code: "L", keys: [limit.key], args: [window(limit.windowMs), limit.max, limit.which] })),
];

const suspension = (agent: string, issuedAtMs: string): Step => ({
  code: "S",
  keys: [`suspended:{${agent}}`, `revoked-before:{${agent}}`],
  args: [issuedAtMs],
});

function putSteps({ jti, state, ttlMs }: NonNullable<Admission["credential"]>): Step[] {
  return [
    // Indexes first, as RedisTokenStore.put: a state never exists that a kill switch could not find.
    ...indexEntries(jti, state).map((entry) => ({ code: "I", keys: [entry.key], args: [entry.member, ttlMs] })),
    {
      code: "P",
      keys: [credKey(jti)],
      args: [state.agent, state.scope, state.resource, state.usesLeft ?? -1, ttlMs, state.user ?? "", state.environment ?? ""],
    },
  ];
}

/** What decides a key's Cluster slot: its hash tag, or the whole key. Equal strings share a slot; others may not. */
function slotOf(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? `{${key.slice(open + 1, close)}}` : key;
}

/** Consecutive steps whose keys all share one slot, in order. */
function runsBySlot(steps: readonly Step[]): Step[][] {
  const runs: { slot: string; steps: Step[] }[] = [];
  for (const step of steps) {
    const slots = new Set(step.keys.map(slotOf));
    const slot = slots.size === 1 ? [...slots][0] : undefined;
    if (slot === undefined) throw new Error(`gate step ${step.code} spans slots`);
    const current = runs[runs.length - 1];
    if (current?.slot === slot) current.steps.push(step);
    else runs.push({ slot, steps: [step] });
  }
  return runs.map((run) => run.steps);
}
