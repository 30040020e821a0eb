import { randomBytes, randomUUID } from "node:crypto";
import type { DatabaseRole, RoleRegistry } from "../../src/domain/upstreams/role-registry";

export interface RoleRegistryFixture {
  readonly registry: RoleRegistry;
  close(): Promise<void>;
}

/** The guarantees every RoleRegistry gives, run against PostgreSQL and memory alike. */
export function describeRoleRegistryContract(name: string, factory: () => Promise<RoleRegistryFixture>): void {
  describe(`${name} (RoleRegistry contract)`, () => {
    let fixture: RoleRegistryFixture;
    let registry: RoleRegistry;
    beforeAll(async () => {
      fixture = await factory();
      registry = fixture.registry;
    });
    afterAll(() => fixture?.close());
    const base = Date.now();
    const role = (fields: Partial<DatabaseRole> = {}): DatabaseRole => ({
      roleName: `r_${randomBytes(6).toString("hex")}`,
      upstream: "app-db",
      jti: randomUUID(),
      agent: `agent-${randomBytes(3).toString("hex")}`,
      environment: `env-${randomBytes(3).toString("hex")}`,
      expiresAt: new Date(base + 60_000),
      createdAt: new Date(base),
      ...fields,
    });

    test("a recorded role is live for its credential, agent, user and environment", async () => {
      const recorded = role({ user: "mary" });
      await registry.record(recorded);
      for (const target of [
        { kind: "jti", id: recorded.jti },
        { kind: "agent", id: recorded.agent },
        { kind: "environment", id: recorded.environment },
      ] as const) {
        expect(await registry.live(target)).toEqual([recorded]);
      }
      expect(await registry.live({ kind: "user", id: "mary" })).toContainEqual(recorded);
      expect(await registry.live({ kind: "jti", id: randomUUID() })).toEqual([]);
    });

    test("a role without a person has no user", async () => {
      const recorded = role();
      await registry.record(recorded);
      expect((await registry.live({ kind: "jti", id: recorded.jti }))[0]).not.toHaveProperty("user");
    });

    test("a dropped role is no longer live nor expired; dropping twice is harmless", async () => {
      const recorded = role({ expiresAt: new Date(base - 1000) });
      await registry.record(recorded);
      await registry.markDropped(recorded.roleName, new Date());
      await registry.markDropped(recorded.roleName, new Date());
      expect(await registry.live({ kind: "jti", id: recorded.jti })).toEqual([]);
      expect((await registry.expired(new Date())).map((r) => r.roleName)).not.toContain(recorded.roleName);
    });

    test("expired lists live roles whose expiry is at or before now, and only those", async () => {
      const past = role({ expiresAt: new Date(base - 1000) });
      const now = role({ expiresAt: new Date(base) });
      const future = role({ expiresAt: new Date(base + 3_600_000) });
      for (const r of [past, now, future]) await registry.record(r);
      const names = (await registry.expired(new Date(base))).map((r) => r.roleName);
      expect(names).toEqual(expect.arrayContaining([past.roleName, now.roleName]));
      expect(names).not.toContain(future.roleName);
    });
  });
}
