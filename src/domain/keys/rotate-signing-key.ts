import type { AuditLog } from "../audit/audit-log";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { Clock } from "../clock";
import type { Policy } from "../policy/policy";
import { longestCredentialLifetime, type RotationPlan } from "./rotation";
import { algorithmsOf, type SigningAlg } from "./signing-alg";

export type RotationSummary = Omit<RotationPlan<never>, "keys">;

/**
 * Where signing keys are kept (the keys file today; a database or KMS-backed
 * store later). `rotate` applies one rotation step atomically with respect
 * to other rotations (a lock), and resolves once every replica can see it.
 */
export interface SigningKeyStore {
  rotate(
    environment: string,
    options: { now: Date; longestLifetimeSeconds: number; force?: boolean; algorithms?: readonly SigningAlg[] },
  ): Promise<RotationSummary>;
  /** Re-reads the store into this replica's ring now, instead of at the next poll. */
  refresh(): Promise<void>;
}

export interface RotationDeps {
  readonly store: SigningKeyStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly policy: Policy;
}

/**
 * The rotation story: rotate every algorithm the environment signs with
 * (and add a key for one the policy now asks for) in the store → pick it up here → record
 * `key_rotated` in the ledger. Other replicas pick the change up from the
 * store on their next poll.
 */
export async function rotateSigningKey(
  deps: RotationDeps,
  request: { environment: string; force?: boolean; actor: string },
  call?: CallContext,
): Promise<RotationSummary> {
  const now = new Date(deps.clock.now());
  const summary = await deps.store.rotate(request.environment, {
    now,
    longestLifetimeSeconds: longestCredentialLifetime(deps.policy),
    force: request.force,
    algorithms: algorithmsOf(deps.policy, request.environment),
  });
  await deps.store.refresh();
  await deps.audit.append({
    type: "key_rotated",
    occurredAt: now,
    decision: "allow",
    environment: request.environment,
    actor: request.actor,
    ...ledgerEnvelope(call, deps.policy.version),
    detail: {
      outcome: summary.outcome,
      activated: summary.activated ?? null,
      retiring: summary.retiring ?? null,
      retire_at: summary.retireAt ?? null,
      next: summary.next,
      retired: summary.retired.join(" ") || null,
      algorithms: summary.algorithms.map((step) => `${step.alg}:${step.outcome}`).join(" "),
    },
  });
  return summary;
}
