import type { DatabaseRole, RoleRegistry } from "../../domain/upstreams/role-registry";

/** The role registry in process memory (tests): same contract as PostgreSQL. */
export class MemoryRoleRegistry implements RoleRegistry {
  private readonly roles = new Map<string, DatabaseRole & { droppedAt?: Date }>();

  async record(role: DatabaseRole): Promise<void> {
    this.roles.set(role.roleName, { ...role });
  }

  async markDropped(roleName: string, at: Date): Promise<void> {
    const role = this.roles.get(roleName);
    if (role && !role.droppedAt) this.roles.set(roleName, { ...role, droppedAt: at });
  }

  async live(target: Parameters<RoleRegistry["live"]>[0]): Promise<DatabaseRole[]> {
    const field = { jti: "jti", agent: "agent", user: "user", environment: "environment" } as const;
    return this.alive().filter((role) => role[field[target.kind]] === target.id);
  }

  async expired(now: Date): Promise<DatabaseRole[]> {
    return this.alive().filter((role) => role.expiresAt.getTime() <= now.getTime());
  }

  private alive(): DatabaseRole[] {
    return [...this.roles.values()].filter((role) => !role.droppedAt).map(({ droppedAt: _dropped, ...role }) => role);
  }
}
