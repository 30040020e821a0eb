import { CircuitBreaker } from "../../src/domain/agents/circuit-breaker";
import type { ApprovalServices } from "../../src/domain/approvals/approval-services";
import type { Approver, ApproverAuthenticator } from "../../src/domain/approvals/approver-authenticator";
import type { Clock } from "../../src/domain/clock";
import { KeyRing } from "../../src/domain/keys/key-ring";
import type { Policy } from "../../src/domain/policy/policy";
import { fixedPolicy, type PolicySource } from "../../src/domain/policy/policy-source";
import { untracedSteps } from "../../src/domain/steps";
import { generateKeys, importKeys } from "../../src/stores/keys/keys-file";
import { keysNeeded } from "../../src/domain/keys/signing-alg";
import { plainProtector } from "../../src/stores/keys/key-protector";
import { MemoryApprovalStore } from "../../src/stores/memory/memory-approval-store";
import { MemoryAuditLog } from "../../src/stores/memory/memory-audit-log";
import { MemoryRevocationFeed } from "../../src/stores/memory/memory-revocation-feed";
import { MemorySuspensionStore } from "../../src/stores/memory/memory-suspension-store";
import { MemoryTokenStore } from "../../src/stores/memory/memory-token-store";
import { MemoryReplayGuard } from "../../src/stores/memory/memory-replay-guard";
import { MemoryRequestGate } from "../../src/stores/memory/memory-request-gate";
import { MemoryWindowCounter } from "../../src/stores/memory/memory-window-counter";
import { randomBytes } from "node:crypto";
import { SecretVault } from "../../src/domain/secrets/secret-vault";
import { DatabaseCredentials } from "../../src/domain/upstreams/database-credentials";
import { environmentKekProtector } from "../../src/stores/keys/key-protector";
import { MemoryRoleRegistry } from "../../src/stores/memory/memory-role-registry";
import { MemorySecretStore } from "../../src/stores/memory/memory-secret-store";
import { MemoryRoleAdmin } from "./memory-role-admin";

/** A clock that stands still until the test moves it. */
export class FixedClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface MemoryWorld {
  readonly services: ApprovalServices;
  readonly clock: Clock;
  readonly tokens: MemoryTokenStore;
  readonly audit: MemoryAuditLog;
  readonly suspensions: MemorySuspensionStore;
  readonly approvals: MemoryApprovalStore;
  readonly revocations: MemoryRevocationFeed;
  /** Upstream secrets (sealed under a random KEK) and database roles on a memory stand-in for the upstream server. */
  readonly secrets: SecretVault;
  readonly roleAdmin: MemoryRoleAdmin;
  readonly roles: MemoryRoleRegistry;
  close(): Promise<void>;
}

export const MEMORY_ISSUER = "https://locksmith.unit";

/**
 * Every service of the credential and approval use cases on the memory twins,
 * with fresh signing keys and a clock that moves only when told: what unit
 * tests of the domain run on (no Redis, no PostgreSQL, no HTTP).
 */
export async function memoryWorld(options: { policy: Policy | PolicySource; clock?: Clock; approvers?: ApproverAuthenticator }): Promise<MemoryWorld> {
  const clock = options.clock ?? new FixedClock(Date.now());
  const policy = "current" in options.policy ? options.policy : fixedPolicy(options.policy);
  const keys = new KeyRing(await importKeys(await generateKeys(keysNeeded(policy.current()), new Date(clock.now())), plainProtector), clock.now());
  const tokens = new MemoryTokenStore(clock);
  const replay = new MemoryReplayGuard(clock);
  const audit = new MemoryAuditLog();
  const suspensions = new MemorySuspensionStore(clock);
  const approvals = new MemoryApprovalStore(clock);
  const revocations = new MemoryRevocationFeed(clock);
  const secrets = new SecretVault({
    store: new MemorySecretStore(),
    wrapper: environmentKekProtector(randomBytes(32).toString("base64"), "unit"),
    policy,
    audit,
    clock,
  });
  const roleAdmin = new MemoryRoleAdmin();
  const roles = new MemoryRoleRegistry();
  const upstreams = new DatabaseCredentials({ policy, secrets, registry: roles, admin: roleAdmin, audit, clock });
  const services: ApprovalServices = {
    issuer: MEMORY_ISSUER,
    policy,
    keys,
    tokens,
    gate: new MemoryRequestGate({ replay, counter: new MemoryWindowCounter(clock), suspensions, tokens }),
    audit,
    clock,
    revocations,
    suspensions,
    approvals,
    approvalTimeoutMs: 600_000,
    breaker: new CircuitBreaker({ policy, suspensions, audit, clock, revocations, upstreams }),
    steps: untracedSteps,
    upstreams,
    approvers: options.approvers ?? refuseEveryApprover,
  };
  return {
    services,
    clock,
    tokens,
    audit,
    suspensions,
    approvals,
    revocations,
    secrets,
    roleAdmin,
    roles,
    async close() {
      tokens.close();
      replay.close();
      await revocations.close();
    },
  };
}

const refuseEveryApprover: ApproverAuthenticator = {
  verify: async (): Promise<Approver> => {
    throw new Error("no approver authenticator in this test");
  },
};
