import { randomUUID } from "node:crypto";
import type { GrantStore, PersonGrant } from "../../src/domain/oauth/grant-store";

export interface GrantStoreFixture {
  readonly store: GrantStore;
  close(): Promise<void>;
}

const grant = (overrides: Partial<PersonGrant> = {}): PersonGrant => ({
  id: randomUUID(),
  user: `mary-${randomUUID()}`,
  identityProvider: "corp",
  claims: { entitlements: ["crm:read"] },
  agent: "mcp-client",
  environment: "production",
  resource: "https://mcp.example.com/mcp",
  scopes: ["crm:read"],
  grantedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  ...overrides,
});

/** The guarantees every GrantStore gives (see its interface), for Redis and the memory twin alike. */
export function describeGrantStoreContract(name: string, factory: () => Promise<GrantStoreFixture>): void {
  describe(`${name} (GrantStore contract)`, () => {
    let fixture: GrantStoreFixture;
    let store: GrantStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());

    test("create then get: the grant, live, with no access token yet", async () => {
      const g = grant();
      await store.create(g, "r0");
      expect(await store.get(g.id)).toEqual({ grant: g, revoked: false, accessTokens: [] });
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    test("rotation: the current token rotates once; the next one is current", async () => {
      const g = grant();
      await store.create(g, "r0");
      expect(await store.rotate(g.id, "r0", "r1")).toMatchObject({ outcome: "rotated", state: { grant: g, revoked: false } });
      expect(await store.rotate(g.id, "r1", "r2")).toMatchObject({ outcome: "rotated" });
      expect(await store.rotate(g.id, "never", "r3")).toEqual({ outcome: "unknown" });
      expect((await store.get(g.id))?.revoked).toBe(false);
    });

    test("reuse of a spent refresh token revokes the grant; after that even the current one is refused", async () => {
      const g = grant();
      await store.create(g, "r0");
      await store.rotate(g.id, "r0", "r1");
      expect(await store.rotate(g.id, "r0", "x")).toMatchObject({ outcome: "reused", state: { revoked: true } });
      expect(await store.rotate(g.id, "r1", "r2")).toMatchObject({ outcome: "revoked" });
      expect((await store.get(g.id))?.revoked).toBe(true);
    });

    test("of concurrent rotations of one token exactly one succeeds", async () => {
      const g = grant();
      await store.create(g, "r0");
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.rotate(g.id, "r0", `n${i}`)));
      expect(results.filter((r) => r.outcome === "rotated")).toHaveLength(1);
    });

    test("access tokens noted on a grant come back with it, the latest 16", async () => {
      const g = grant();
      await store.create(g, "r0");
      for (let i = 0; i < 18; i++) await store.noteAccessToken(g.id, `jti-${i}`);
      const state = await store.get(g.id);
      expect(state?.accessTokens).toHaveLength(16);
      expect(state?.accessTokens.at(-1)).toBe("jti-17");
      expect(state?.accessTokens[0]).toBe("jti-2");
    });

    test("revoke answers the state once, then nothing (idempotent)", async () => {
      const g = grant();
      await store.create(g, "r0");
      await store.noteAccessToken(g.id, "jti-a");
      expect(await store.revoke(g.id)).toEqual({ grant: g, revoked: true, accessTokens: ["jti-a"] });
      expect(await store.revoke(g.id)).toBeUndefined();
      expect(await store.rotate(g.id, "r0", "r1")).toMatchObject({ outcome: "revoked" });
    });

    test("listByUser lists a person's grants, newest first, revoked ones marked", async () => {
      const user = `ada-${randomUUID()}`;
      const older = grant({ user, grantedAt: Date.now() - 1000 });
      const newer = grant({ user, agent: "other-client" });
      await store.create(older, "a");
      await store.create(newer, "b");
      await store.create(grant(), "c");
      await store.revoke(older.id);
      const listed = await store.listByUser(user);
      expect(listed.map((s) => [s.grant.id, s.revoked])).toEqual([
        [newer.id, false],
        [older.id, true],
      ]);
    });

    test("revokeSubject revokes every live grant of a user, an agent or an environment", async () => {
      const agent = `agent-${randomUUID()}`;
      const environment = `env-${randomUUID()}`;
      const a = grant({ agent });
      const b = grant({ agent });
      const c = grant({ environment });
      for (const g of [a, b, c]) await store.create(g, "r0");
      expect((await store.revokeSubject({ kind: "agent", id: agent })).map((s) => s.grant.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.revokeSubject({ kind: "agent", id: agent })).toEqual([]);
      expect((await store.revokeSubject({ kind: "environment", id: environment })).map((s) => s.grant.id)).toEqual([c.id]);
      const d = grant();
      await store.create(d, "r0");
      expect((await store.revokeSubject({ kind: "user", id: d.user })).map((s) => s.grant.id)).toEqual([d.id]);
    });

    test("an expired grant is gone", async () => {
      const g = grant({ expiresAt: Date.now() + 200 });
      await store.create(g, "r0");
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await store.get(g.id)).toBeUndefined();
      expect(await store.rotate(g.id, "r0", "r1")).toEqual({ outcome: "unknown" });
    });
  });
}
