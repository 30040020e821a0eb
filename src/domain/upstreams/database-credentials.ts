import { randomBytes } from "node:crypto";
import type { AuditLog } from "../audit/audit-log";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { Clock } from "../clock";
import { LocksmithError } from "../errors";
import type { PolicySource } from "../policy/policy-source";
import type { SecretVault } from "../secrets/secret-vault";
import type { DatabaseRole, RoleRegistry } from "./role-registry";
import type { Provisioned, ProvisionInput, RevokedTarget, UpstreamHooks } from "./upstream-hooks";
import type { TableGrant } from "./upstream-policy";

/** Where agents connect, read from the admin connection URL (never its user or password). */
export interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** Role administration on an upstream PostgreSQL, through its admin connection URL (a sealed secret). */
export interface RoleAdmin {
  target(adminUrl: string): DatabaseTarget;
  /** One transaction: a LOGIN role with this password, VALID UNTIL, and exactly these grants. */
  create(
    adminUrl: string,
    role: { readonly name: string; readonly password: string; readonly validUntil: Date; readonly grants: readonly TableGrant[] },
  ): Promise<void>;
  /** NOLOGIN → end its sessions → revoke what it holds → drop it. Idempotent: a role that is gone is done. */
  drop(adminUrl: string, name: string): Promise<void>;
  /** Roles named `<prefix>…` whose VALID UNTIL is at or before `before`: left behind when the registry lost track of them. */
  expiredWithPrefix(adminUrl: string, prefix: string, before: Date): Promise<string[]>;
}

export interface DatabaseCredentialsDeps {
  readonly policy: PolicySource;
  readonly secrets: SecretVault;
  readonly registry: RoleRegistry;
  readonly admin: RoleAdmin;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** A role Locksmith creates is named `<role_prefix>` + this many random bytes in lowercase hex, and nothing else is. */
const ROLE_SUFFIX_BYTES = 8;

/**
 * Whether a role on the server is one Locksmith named: the orphan scan drops
 * (and DROP OWNED BY empties) only those, never another role that merely
 * shares the prefix and has an expired password, such as a person's or an
 * application's, with the tables it owns.
 */
export const isLocksmithRole = (prefix: string, name: string) =>
  name.startsWith(prefix) && new RegExp(`^[0-9a-f]{${ROLE_SUFFIX_BYTES * 2}}$`).test(name.slice(prefix.length));

/** How long after its VALID UNTIL a prefixed role the registry does not list is taken for an orphan. */
const ORPHAN_GRACE_MS = 60_000;

export interface ReapSummary {
  readonly dropped: number;
  readonly failed: readonly string[];
}

/**
 * Dynamic database credentials (the upstream side of kind `postgres`): a
 * fresh login role per credential, living exactly as long as it. Issuance
 * records the role, then creates it; revocation (one credential or a kill
 * switch) ends its sessions and drops it at once; the reaper drops what
 * expired, also after a crash (from the registry, and from the role prefix).
 */
export class DatabaseCredentials implements UpstreamHooks {
  constructor(private readonly deps: DatabaseCredentialsDeps) {}

  async provision(input: ProvisionInput): Promise<Provisioned | undefined> {
    const { upstream } = input;
    if (upstream.kind !== "postgres") return undefined;
    const adminUrl = await this.adminUrl(upstream.id);
    const role: DatabaseRole = {
      roleName: `${upstream.rolePrefix}${randomBytes(ROLE_SUFFIX_BYTES).toString("hex")}`,
      upstream: upstream.id,
      jti: input.jti,
      agent: input.agent,
      ...(input.user === undefined ? {} : { user: input.user }),
      environment: input.environment,
      expiresAt: new Date(input.expiresAt * 1000),
      createdAt: new Date(this.deps.clock.now()),
    };
    const password = randomBytes(24).toString("base64url");
    const grants = input.scopes.flatMap((scope) => upstream.grants.get(scope) ?? []);
    // Recorded first: a crash after CREATE ROLE leaves a row the reaper finds.
    await this.deps.registry.record(role);
    try {
      await this.deps.admin.create(adminUrl, { name: role.roleName, password, validUntil: role.expiresAt, grants });
    } catch {
      await this.drop(role, "provision_failed", undefined).catch(() => undefined);
      throw new LocksmithError("bad_gateway", `cannot create a login role on upstream ${upstream.id}`);
    }
    // A revocation or kill switch that ran between `record` and the commit of CREATE ROLE found no role to drop and
    // marked it dropped: honour it now, or the role would outlive the revocation until its VALID UNTIL.
    if (!(await this.deps.registry.live({ kind: "jti", id: input.jti })).some((live) => live.roleName === role.roleName)) {
      await this.drop(role, "revoked", undefined).catch(() => undefined);
      throw new LocksmithError("permission_denied", "the credential was revoked while its database role was being made");
    }
    return {
      handOut: { kind: "postgres", ...this.deps.admin.target(adminUrl), username: role.roleName, password },
      detail: { upstream: upstream.id, db_role: role.roleName },
      undo: () => this.drop(role, "not_handed_out", undefined),
    };
  }

  async revoked(target: RevokedTarget, call: CallContext | undefined): Promise<void> {
    for (const role of await this.deps.registry.live(target)) await this.drop(role, "revoked", call);
  }

  /** Drops every role whose credential expired; run at start and then periodically. Never throws for one role. */
  async reap(): Promise<ReapSummary> {
    const now = new Date(this.deps.clock.now());
    let dropped = 0;
    const failed: string[] = [];
    for (const role of await this.deps.registry.expired(now)) {
      await this.drop(role, "expired", undefined).then(
        () => dropped++,
        () => failed.push(role.roleName),
      );
    }
    for (const upstream of this.deps.policy.current().upstreams?.values() ?? []) {
      if (upstream.kind !== "postgres") continue;
      try {
        const adminUrl = await this.adminUrl(upstream.id);
        // Past a grace period only, so a role the registry is about to reap is reaped (and recorded) as its credential's.
        const expired = await this.deps.admin.expiredWithPrefix(adminUrl, upstream.rolePrefix, new Date(now.getTime() - ORPHAN_GRACE_MS));
        for (const name of expired.filter((candidate) => isLocksmithRole(upstream.rolePrefix, candidate))) {
          await this.deps.admin.drop(adminUrl, name);
          await this.deps.registry.markDropped(name, now);
          await this.record({ roleName: name, upstream: upstream.id }, "orphaned", undefined);
          dropped++;
        }
      } catch {
        failed.push(upstream.id);
      }
    }
    return { dropped, failed };
  }

  private async drop(role: DatabaseRole, reason: string, call: CallContext | undefined): Promise<void> {
    await this.deps.admin.drop(await this.adminUrl(role.upstream), role.roleName);
    await this.deps.registry.markDropped(role.roleName, new Date(this.deps.clock.now()));
    await this.record(role, reason, call);
  }

  private record(role: Pick<DatabaseRole, "roleName" | "upstream"> & Partial<DatabaseRole>, reason: string, call: CallContext | undefined): Promise<void> {
    return this.deps.audit.append({
      type: "upstream_role_dropped",
      occurredAt: new Date(this.deps.clock.now()),
      decision: "allow",
      ...(role.jti ? { jti: role.jti, agent: role.agent, user: role.user, environment: role.environment } : {}),
      reason,
      ...ledgerEnvelope(call, this.deps.policy.current().version),
      detail: { upstream: role.upstream, db_role: role.roleName },
    });
  }

  private async adminUrl(upstream: string): Promise<string> {
    const secret = await this.deps.secrets.reveal(upstream);
    if (!secret)
      throw new LocksmithError(
        "temporarily_unavailable",
        `upstream ${upstream} has no admin connection stored: the platform team must run \`locksmith secrets put ${upstream}\``,
      );
    return secret.toString("utf8");
  }
}
