import { randomUUID } from "node:crypto";
import type { AuditEvent, AuditEventType } from "../audit/audit-event";
import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import { LocksmithError } from "../errors";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { PolicySource } from "../policy/policy-source";
import { openSecret, sealSecret } from "./seal-secret";
import { metadataOf, PLATFORM_OWNER, type KeyWrapper, type SecretMetadata, type SecretStore } from "./secret-store";

export interface SecretVaultDeps {
  readonly store: SecretStore;
  readonly wrapper: KeyWrapper;
  readonly policy: PolicySource;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** Where a secret belongs and who writes it: an admin id, recorded in the ledger. */
export interface SecretWrite {
  readonly upstream: string;
  readonly owner?: string;
  readonly actor: string;
}

export const MAX_SECRET_BYTES = 8192;

/**
 * The platform team's operations on upstream secrets (put, rotate, delete,
 * list) and the one internal read (`reveal`). Each write is a ledger event
 * naming the upstream, owner and version, never the value. A value is
 * sealed before it reaches the store and opened only in memory, for the one
 * upstream call or role creation that needs it.
 */
export class SecretVault {
  constructor(private readonly deps: SecretVaultDeps) {}

  /** Stores a new secret; `conflict` if the upstream (for this owner) has one: rotate it instead. */
  async put(write: SecretWrite, value: Buffer, call: CallContext): Promise<SecretMetadata> {
    const { upstream, owner } = this.target(write);
    checkValue(value);
    const now = new Date(this.deps.clock.now());
    const id = randomUUID();
    const secret = {
      id,
      upstream,
      owner,
      version: 1,
      createdAt: now,
      updatedAt: now,
      updatedBy: write.actor,
      ...(await sealSecret(this.deps.wrapper, { id, owner, upstream, version: 1 }, value)),
    };
    if (!(await this.deps.store.create(secret))) throw new LocksmithError("conflict", `upstream ${upstream} already has a secret for ${owner}: rotate it`);
    await this.record("secret_put", write.actor, metadataOf(secret), call);
    return metadataOf(secret);
  }

  /** Replaces the value with a fresh data key, version + 1; `not_found` if there is none. */
  async rotate(write: SecretWrite, value: Buffer, call: CallContext): Promise<SecretMetadata> {
    const { upstream, owner } = this.target(write);
    checkValue(value);
    const current = await this.deps.store.get(upstream, owner);
    if (!current) throw new LocksmithError("not_found", `upstream ${upstream} has no secret for ${owner}: put one first`);
    const now = new Date(this.deps.clock.now());
    const version = current.version + 1;
    const next = { ...current, version, updatedAt: now, updatedBy: write.actor, ...(await sealSecret(this.deps.wrapper, { ...current, version }, value)) };
    if (!(await this.deps.store.replace(next, current.version))) throw new LocksmithError("conflict", `the ${upstream} secret changed meanwhile: retry`);
    await this.record("secret_rotated", write.actor, metadataOf(next), call);
    return metadataOf(next);
  }

  /** Deletes it at once; idempotent (false when there was none), recorded either way. */
  async delete(write: SecretWrite, call: CallContext): Promise<boolean> {
    const { upstream, owner } = this.target(write, { declared: false });
    const deleted = await this.deps.store.delete(upstream, owner);
    await this.record("secret_deleted", write.actor, { upstream, owner }, call, deleted ? undefined : "unknown");
    return deleted;
  }

  async list(): Promise<SecretMetadata[]> {
    return (await this.deps.store.list()).map(metadataOf);
  }

  /** The plaintext, for Locksmith's own use only (never a response, log line or ledger row); undefined when none is stored. */
  async reveal(upstream: string, owner = PLATFORM_OWNER): Promise<Buffer | undefined> {
    const secret = await this.deps.store.get(upstream, owner);
    return secret ? openSecret(this.deps.wrapper, secret) : undefined;
  }

  private target(write: SecretWrite, { declared = true } = {}) {
    if (!this.deps.wrapper.encrypts)
      throw new LocksmithError("server_error", "no key encryption key is configured (LOCKSMITH_KEYS_KEK): upstream secrets cannot be sealed");
    // Deleting stays possible after an upstream left the bundle; writing needs a declared one (typos fail here, not at first use).
    if (declared && !this.deps.policy.current().upstreams?.has(write.upstream))
      throw new LocksmithError("invalid_request", `the policy declares no upstream ${write.upstream}`);
    return { upstream: write.upstream, owner: write.owner ?? PLATFORM_OWNER };
  }

  private record(type: AuditEventType, actor: string, secret: Partial<SecretMetadata>, call: CallContext, reason?: string): Promise<void> {
    const event: AuditEvent = {
      type,
      occurredAt: new Date(this.deps.clock.now()),
      decision: "allow",
      actor,
      ...(reason ? { reason } : {}),
      ...ledgerEnvelope(call, this.deps.policy.current().version),
      detail: { upstream: secret.upstream!, owner: secret.owner!, ...(secret.version ? { version: secret.version, kek_id: secret.kekId! } : {}) },
    };
    return this.deps.audit.append(event);
  }
}

function checkValue(value: Buffer): void {
  if (value.length === 0 || value.length > MAX_SECRET_BYTES) throw new LocksmithError("invalid_request", `a secret is 1 to ${MAX_SECRET_BYTES} bytes`);
}
