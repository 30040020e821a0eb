import { StoreUnavailableError } from "../../domain/errors";
import type { DatabaseRole, RoleRegistry } from "../../domain/upstreams/role-registry";
import type { PrismaClient } from "./prisma-client";

type Row = Awaited<ReturnType<PrismaClient["upstreamDbRole"]["findMany"]>>[number];

/** The role registry in Locksmith's PostgreSQL (`upstream_db_roles`): it survives a crash of Locksmith. */
export class PrismaRoleRegistry implements RoleRegistry {
  constructor(private readonly prisma: PrismaClient) {}

  async record(role: DatabaseRole): Promise<void> {
    await this.run(() =>
      this.prisma.upstreamDbRole.create({
        data: {
          roleName: role.roleName,
          upstream: role.upstream,
          jti: role.jti,
          agent: role.agent,
          userSubject: role.user ?? null,
          environment: role.environment,
          expiresAt: role.expiresAt,
          createdAt: role.createdAt,
        },
      }),
    );
  }

  async markDropped(roleName: string, at: Date): Promise<void> {
    await this.run(() => this.prisma.upstreamDbRole.updateMany({ where: { roleName, droppedAt: null }, data: { droppedAt: at } }));
  }

  async live(target: Parameters<RoleRegistry["live"]>[0]): Promise<DatabaseRole[]> {
    const where = { jti: { jti: target.id }, agent: { agent: target.id }, user: { userSubject: target.id }, environment: { environment: target.id } }[
      target.kind
    ];
    return (await this.run(() => this.prisma.upstreamDbRole.findMany({ where: { ...where, droppedAt: null } }))).map(toRole);
  }

  async expired(now: Date): Promise<DatabaseRole[]> {
    return (await this.run(() => this.prisma.upstreamDbRole.findMany({ where: { droppedAt: null, expiresAt: { lte: now } }, take: 1000 }))).map(toRole);
  }

  private async run<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw new StoreUnavailableError("the role registry", error);
    }
  }
}

const toRole = (row: Row): DatabaseRole => ({
  roleName: row.roleName,
  upstream: row.upstream,
  jti: row.jti,
  agent: row.agent,
  ...(row.userSubject === null ? {} : { user: row.userSubject }),
  environment: row.environment,
  expiresAt: row.expiresAt,
  createdAt: row.createdAt,
});
