import type { DatabaseTarget, RoleAdmin } from "../../src/domain/upstreams/database-credentials";
import type { TableGrant } from "../../src/domain/upstreams/upstream-policy";

/** An upstream PostgreSQL's roles in memory, for unit tests of the hand-out and revocation paths (HTTP tests use the real server). */
export class MemoryRoleAdmin implements RoleAdmin {
  readonly roles = new Map<string, { validUntil: Date; grants: readonly TableGrant[] }>();
  /** Names of roles dropped, in order. */
  readonly dropped: string[] = [];

  target(adminUrl: string): DatabaseTarget {
    const url = new URL(adminUrl);
    return { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1) };
  }

  async create(_adminUrl: string, role: { name: string; validUntil: Date; grants: readonly TableGrant[] }): Promise<void> {
    if (this.roles.has(role.name)) throw new Error(`role ${role.name} already exists`);
    this.roles.set(role.name, { validUntil: role.validUntil, grants: role.grants });
  }

  async drop(_adminUrl: string, name: string): Promise<void> {
    if (this.roles.delete(name)) this.dropped.push(name);
  }

  async expiredWithPrefix(_adminUrl: string, prefix: string, before: Date): Promise<string[]> {
    return [...this.roles].filter(([name, role]) => name.startsWith(prefix) && role.validUntil <= before).map(([name]) => name);
  }
}
