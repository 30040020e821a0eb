import type { AuditLog } from "../audit/audit-log";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { Clock } from "../clock";
import { PolicyLoadError } from "./load-policy";
import type { Policy } from "./policy";
import type { PolicySource } from "./policy-source";

export type ReloadTrigger = "start" | "file_watch" | "sighup" | "admin";

export type ReloadResult =
  | { readonly ok: true; readonly changed: boolean; readonly version: string; readonly previous: string }
  | { readonly ok: false; readonly version: string; readonly problems: readonly string[] };

export interface ReloadablePolicyDeps {
  /** Reads, validates and compiles the bundle; throws PolicyLoadError when it is bad. */
  readonly load: () => Promise<Policy>;
  /** A reason the compiled bundle cannot serve here (e.g. an environment without signing keys). */
  readonly refuse?: (policy: Policy) => string | undefined;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/**
 * The policy in force, swapped atomically on reload: a request reads
 * `current()` once and keeps that compiled bundle for all its steps, so no
 * request sees half a bundle. A bad bundle is refused and the old one keeps
 * serving. Each load that changes the bundle is a `policy_loaded` ledger event
 * naming the new content hash; later decisions name it as their policy version.
 */
export class ReloadablePolicy implements PolicySource {
  private policy: Policy;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    initial: Policy,
    private readonly deps: ReloadablePolicyDeps,
  ) {
    this.policy = initial;
  }

  current(): Policy {
    return this.policy;
  }

  /** Records the bundle in force at start-up. */
  recordStart(): Promise<void> {
    return this.record("policy_loaded", this.policy.version, { trigger: "start", source: this.policy.source });
  }

  /** Loads the bundle again; reloads run one at a time, in order. `call`: the admin request that asked for it, if one did. */
  reload(trigger: ReloadTrigger, call?: CallContext): Promise<ReloadResult> {
    const next = this.queue.then(() => this.reloadNow(trigger, call));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(trigger: ReloadTrigger, call: CallContext | undefined): Promise<ReloadResult> {
    const previous = this.policy.version;
    let candidate: Policy;
    try {
      candidate = await this.deps.load();
    } catch (error) {
      const problems = error instanceof PolicyLoadError ? error.problems : [`cannot read the bundle (${(error as NodeJS.ErrnoException).code ?? "error"})`];
      return this.refuse(trigger, problems, call);
    }
    const refusal = this.deps.refuse?.(candidate);
    if (refusal) return this.refuse(trigger, [refusal], call);
    if (candidate.version === previous) return { ok: true, changed: false, version: previous, previous };
    // Recorded before the swap: no decision may name a version the ledger does not know.
    await this.record("policy_loaded", candidate.version, { trigger, previous_version: previous, source: candidate.source }, call);
    this.policy = candidate;
    return { ok: true, changed: true, version: candidate.version, previous };
  }

  private async refuse(trigger: ReloadTrigger, problems: readonly string[], call: CallContext | undefined): Promise<ReloadResult> {
    await this.record("policy_rejected", this.policy.version, { trigger, problems: problems.length, first_problem: problems[0]?.slice(0, 300) ?? null }, call);
    return { ok: false, version: this.policy.version, problems };
  }

  private record(
    type: "policy_loaded" | "policy_rejected",
    policyVersion: string,
    detail: Record<string, string | number | null>,
    call?: CallContext,
  ): Promise<void> {
    return this.deps.audit.append({
      type,
      occurredAt: new Date(this.deps.clock.now()),
      decision: type === "policy_loaded" ? "allow" : "deny",
      ...ledgerEnvelope(call, policyVersion),
      detail,
    });
  }
}
