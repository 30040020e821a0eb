import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CredentialState, TokenStore } from "../../src/domain/credentials/token-store";

/** A store under test and how to let go of it (connections, keys) afterwards. */
export interface TokenStoreFixture {
  readonly store: TokenStore;
  close(): Promise<void>;
}

const SHORT_TTL_MS = 300;
const LONG_TTL_MS = 60_000;
/** When the kill switches of these tests happen (epoch ms). */
const AT = Date.now();

const state = (overrides: Partial<Omit<CredentialState, "revoked">> = {}): Omit<CredentialState, "revoked"> => ({
  agent: "support-agent",
  scope: "crm:read",
  resource: "crm:customers/42",
  usesLeft: null,
  ...overrides,
});

/**
 * The guarantees every TokenStore gives (see its interface), run against each
 * implementation so that dev mode's memory store behaves like Redis. Every test
 * uses a fresh jti, so the tests share one store without seeing each other.
 */
export function describeTokenStoreContract(name: string, factory: () => Promise<TokenStoreFixture>): void {
  describe(`${name} (TokenStore contract)`, () => {
    let fixture: TokenStoreFixture;
    let store: TokenStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());

    const jti = () => randomUUID();

    describe("put and get", () => {
      test("returns the saved state, not revoked", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 3 }), LONG_TTL_MS);
        expect(await store.get(id)).toEqual({ ...state({ usesLeft: 3 }), revoked: false });
      });

      test("keeps an unlimited credential's usesLeft as null", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: null }), LONG_TTL_MS);
        expect((await store.get(id))?.usesLeft).toBeNull();
      });

      test("knows nothing of a jti that was never put", async () => {
        expect(await store.get(jti())).toBeUndefined();
      });
    });

    describe("expiry", () => {
      test("forgets a credential once its ttl has passed", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 1 }), SHORT_TTL_MS);
        expect(await store.get(id)).toBeDefined();
        await sleep(SHORT_TTL_MS * 2);
        expect(await store.get(id)).toBeUndefined();
        expect(await store.spend(id)).toEqual({ ok: false, reason: "unknown" });
        expect(await store.revoke(id)).toEqual({ outcome: "unknown" });
      });
    });

    describe("spend", () => {
      test("counts the uses down and stops at exhausted", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 3 }), LONG_TTL_MS);
        expect(await store.spend(id)).toEqual({ ok: true, usesLeft: 2 });
        expect(await store.spend(id)).toEqual({ ok: true, usesLeft: 1 });
        expect(await store.spend(id)).toEqual({ ok: true, usesLeft: 0 });
        expect(await store.spend(id)).toEqual({ ok: false, reason: "exhausted" });
        expect(await store.spend(id)).toEqual({ ok: false, reason: "exhausted" });
        expect((await store.get(id))?.usesLeft).toBe(0);
      });

      test("never exhausts an unlimited credential", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: null }), LONG_TTL_MS);
        for (let i = 0; i < 10; i++) expect(await store.spend(id)).toEqual({ ok: true, usesLeft: null });
        expect((await store.get(id))?.usesLeft).toBeNull();
      });

      test("answers unknown for a jti that was never put", async () => {
        expect(await store.spend(jti())).toEqual({ ok: false, reason: "unknown" });
      });

      test("refuses a revoked credential even with uses left", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 5 }), LONG_TTL_MS);
        await store.revoke(id);
        expect(await store.spend(id)).toEqual({ ok: false, reason: "revoked" });
        expect((await store.get(id))?.usesLeft).toBe(5);
      });

      test("lets exactly one of 50 concurrent spends of a one-use credential through", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 1 }), LONG_TTL_MS);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.spend(id)));
        expect(results.filter((r) => r.ok)).toEqual([{ ok: true, usesLeft: 0 }]);
        expect(results.filter((r) => !r.ok)).toHaveLength(49);
        for (const r of results.filter((r) => !r.ok)) expect(r).toEqual({ ok: false, reason: "exhausted" });
      });

      test("lets exactly N of 50 concurrent spends of an N-use credential through", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 7 }), LONG_TTL_MS);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.spend(id)));
        const left = results.flatMap((r) => (r.ok ? [r.usesLeft ?? -1] : []));
        expect(left.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      });
    });

    describe("revoke", () => {
      test("revokes a live credential and names its agent", async () => {
        const id = jti();
        await store.put(id, state({ agent: "support-agent" }), LONG_TTL_MS);
        expect(await store.revoke(id)).toEqual({ outcome: "revoked", agent: "support-agent" });
        expect((await store.get(id))?.revoked).toBe(true);
      });

      test("is idempotent: once announced, a second revoke is already_revoked, with the agent", async () => {
        const id = jti();
        await store.put(id, state({ agent: "support-agent" }), LONG_TTL_MS);
        await store.revoke(id);
        await store.markAnnounced(id);
        expect(await store.revoke(id)).toEqual({ outcome: "already_revoked", agent: "support-agent" });
        expect((await store.get(id))?.revoked).toBe(true);
      });

      test("a revocation never marked announced is revoked again, so a retry can finish what a failed announcement left", async () => {
        const id = jti();
        await store.put(id, state({ agent: "support-agent" }), LONG_TTL_MS);
        await store.revoke(id);
        expect(await store.revoke(id, "support-agent")).toEqual({ outcome: "revoked", agent: "support-agent" });
        await store.markAnnounced(id);
        expect(await store.revoke(id, "support-agent")).toEqual({ outcome: "already_revoked", agent: "support-agent" });
      });

      test("markAnnounced of an unknown jti creates nothing", async () => {
        const id = jti();
        await store.markAnnounced(id);
        expect(await store.get(id)).toBeUndefined();
        expect(await store.revoke(id)).toEqual({ outcome: "unknown" });
      });

      test("a revocation by subject counts as announced (its own announcement covers the credential)", async () => {
        const agent = `announced-agent-${jti()}`;
        const id = jti();
        await store.put(id, state({ agent }), LONG_TTL_MS);
        expect(await store.revokeSubject({ kind: "agent", id: agent }, Date.now())).toBe(1);
        expect(await store.revoke(id)).toEqual({ outcome: "already_revoked", agent });
      });

      test("answers unknown for a jti that was never put", async () => {
        expect(await store.revoke(jti())).toEqual({ outcome: "unknown" });
        expect(await store.revoke(jti(), "support-agent")).toEqual({ outcome: "unknown" });
      });

      test("lets the holding agent revoke its own credential", async () => {
        const id = jti();
        await store.put(id, state({ agent: "support-agent" }), LONG_TTL_MS);
        expect(await store.revoke(id, "support-agent")).toEqual({ outcome: "revoked", agent: "support-agent" });
      });

      test("refuses another agent (not_holder) and leaves the credential usable", async () => {
        const id = jti();
        await store.put(id, state({ agent: "support-agent", usesLeft: 2 }), LONG_TTL_MS);
        const result = await store.revoke(id, "staging-deploy-agent");
        expect(result.outcome).toBe("not_holder");
        expect(result.agent).toBeUndefined();
        expect((await store.get(id))?.revoked).toBe(false);
        expect(await store.spend(id)).toEqual({ ok: true, usesLeft: 1 });
      });

      test("lets an admin (no holder given) revoke any agent's credential", async () => {
        const id = jti();
        await store.put(id, state({ agent: "staging-deploy-agent" }), LONG_TTL_MS);
        expect(await store.revoke(id, undefined)).toEqual({ outcome: "revoked", agent: "staging-deploy-agent" });
        expect(await store.spend(id)).toEqual({ ok: false, reason: "revoked" });
      });
    });

    describe("revokeSubject", () => {
      // Each test uses subject ids of its own, so the shared store's other credentials never count.
      const unique = (name: string) => `${name}-${randomUUID()}`;

      test("keeps user and environment in the state, and revokes every live credential of an agent at once", async () => {
        const agent = unique("agent");
        const [a, b, other] = [jti(), jti(), jti()];
        await store.put(a, state({ agent, user: "mary", environment: "production" }), LONG_TTL_MS);
        await store.put(b, state({ agent, usesLeft: 2 }), LONG_TTL_MS);
        await store.put(other, state({ agent: unique("agent") }), LONG_TTL_MS);
        expect(await store.get(a)).toMatchObject({ user: "mary", environment: "production" });

        expect(await store.revokeSubject({ kind: "agent", id: agent }, AT)).toBe(2);
        expect(await store.spend(a)).toEqual({ ok: false, reason: "revoked" });
        expect(await store.spend(b)).toEqual({ ok: false, reason: "revoked" });
        expect(await store.spend(other)).toEqual({ ok: true, usesLeft: null });
      });

      test("revokes by user across agents, and by environment", async () => {
        const [user, env] = [unique("user"), unique("env")];
        const [x, y, z] = [jti(), jti(), jti()];
        await store.put(x, state({ agent: unique("agent"), user, environment: env }), LONG_TTL_MS);
        await store.put(y, state({ agent: unique("agent"), user }), LONG_TTL_MS);
        await store.put(z, state({ agent: unique("agent"), environment: env }), LONG_TTL_MS);

        expect(await store.revokeSubject({ kind: "user", id: user }, AT)).toBe(2);
        expect((await store.get(z))?.revoked).toBe(false);
        expect(await store.revokeSubject({ kind: "environment", id: env }, AT)).toBe(1);
        expect((await store.get(z))?.revoked).toBe(true);
      });

      test("is idempotent, counts only newly revoked credentials, and is 0 for an unknown subject", async () => {
        const agent = unique("agent");
        const id = jti();
        await store.put(id, state({ agent }), LONG_TTL_MS);
        await store.revoke(id);
        expect(await store.revokeSubject({ kind: "agent", id: agent }, AT)).toBe(0);
        expect(await store.revokeSubject({ kind: "user", id: unique("nobody") }, AT)).toBe(0);
      });

      test("does not count or revive expired credentials", async () => {
        const agent = unique("agent");
        const id = jti();
        await store.put(id, state({ agent }), SHORT_TTL_MS);
        await sleep(SHORT_TTL_MS + 100);
        expect(await store.revokeSubject({ kind: "agent", id: agent }, AT)).toBe(0);
        expect(await store.get(id)).toBeUndefined();
      });
    });

    describe("lastRevocation", () => {
      const unique = (name: string) => `${name}-${randomUUID()}`;

      test("remembers the latest kill switch of any of the subjects, and nothing for others", async () => {
        const [agent, user] = [unique("agent"), unique("user")];
        expect(
          await store.lastRevocation([
            { kind: "agent", id: agent },
            { kind: "user", id: user },
          ]),
        ).toBeUndefined();
        await store.revokeSubject({ kind: "agent", id: agent }, AT + 5);
        await store.revokeSubject({ kind: "agent", id: agent }, AT + 1);
        expect(await store.lastRevocation([{ kind: "agent", id: agent }])).toBe(AT + 5);
        await store.revokeSubject({ kind: "user", id: user }, AT + 9);
        expect(
          await store.lastRevocation([
            { kind: "agent", id: agent },
            { kind: "user", id: user },
            { kind: "environment", id: unique("env") },
          ]),
        ).toBe(AT + 9);
        expect(await store.lastRevocation([{ kind: "user", id: agent }])).toBeUndefined();
      });
    });

    describe("remove", () => {
      test("forgets the credential at once", async () => {
        const id = jti();
        await store.put(id, state({ usesLeft: 1 }), LONG_TTL_MS);
        await store.remove(id);
        expect(await store.get(id)).toBeUndefined();
        expect(await store.spend(id)).toEqual({ ok: false, reason: "unknown" });
        expect(await store.revoke(id)).toEqual({ outcome: "unknown" });
      });

      test("is a no-op for a jti that was never put", async () => {
        await expect(store.remove(jti())).resolves.toBeUndefined();
      });

      test("leaves other credentials alone", async () => {
        const [kept, removed] = [jti(), jti()];
        await store.put(kept, state(), LONG_TTL_MS);
        await store.put(removed, state(), LONG_TTL_MS);
        await store.remove(removed);
        expect(await store.get(kept)).toBeDefined();
      });
    });
  });
}
