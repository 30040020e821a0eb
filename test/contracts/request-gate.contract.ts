import { randomUUID } from "node:crypto";
import type { SuspensionStore } from "../../src/domain/agents/suspension-store";
import type { RequestGate } from "../../src/domain/credentials/request-gate";
import type { TokenStore } from "../../src/domain/credentials/token-store";
import type { ReplayGuard } from "../../src/domain/identity/replay-guard";
import type { WindowCounter } from "../../src/domain/limits/window-counter";

/** A gate with the single-purpose stores over the same keys, so the contract can see they share one state. */
export interface RequestGateFixture {
  readonly gate: RequestGate;
  readonly tokens: TokenStore;
  readonly replay: ReplayGuard;
  readonly counter: WindowCounter;
  readonly suspensions: SuspensionStore;
  close(): Promise<void>;
}

/** The guarantees every RequestGate gives, run against memory and Redis alike. */
export function describeRequestGateContract(name: string, factory: () => Promise<RequestGateFixture>): void {
  describe(`${name} (RequestGate contract)`, () => {
    let f: RequestGateFixture;
    beforeAll(async () => {
      f = await factory();
    });
    afterAll(() => f?.close());
    const id = (what: string) => `${what}-${randomUUID()}`;
    const state = (agent: string) => ({ agent, environment: "production", scope: "crm:read", resource: "crm:customers/1", usesLeft: 2 });

    it("stores the credential with its subject indexes when every check passes, and marks the assertion used", async () => {
      const agent = id("agent");
      const jti = id("jti");
      const replay = { key: id("assertion"), ttlMs: 60_000 };
      expect(await f.gate.admit({ replay, suspendedAgent: agent, credential: { jti, state: state(agent), ttlMs: 60_000 } })).toEqual({
        ok: true,
        denialTripped: false,
      });
      expect(await f.tokens.get(jti)).toMatchObject({ agent, environment: "production", usesLeft: 2, revoked: false });
      expect(await f.replay.firstUse(replay.key, 60_000)).toBe(false);
      expect(await f.tokens.revokeSubject({ kind: "agent", id: agent }, Date.now())).toBe(1);
    });

    it("refuses a replayed assertion before counting or storing anything", async () => {
      const agent = id("agent");
      const jti = id("jti");
      const replay = { key: id("assertion"), ttlMs: 60_000 };
      expect(await f.replay.firstUse(replay.key, 60_000)).toBe(true);
      const limit = { key: id("rl"), windowMs: 60_000, max: 5, which: "agent" };
      expect(await f.gate.admit({ replay, limits: [limit], credential: { jti, state: state(agent), ttlMs: 60_000 } })).toEqual({ ok: false, failed: "replay" });
      expect(await f.tokens.get(jti)).toBeUndefined();
      expect((await f.counter.hit(limit.key, 60_000)).count).toBe(1);
    });

    it("refuses over a rate limit with the time to its reset; a later limit is not counted", async () => {
      const first = { key: id("rl"), windowMs: 60_000, max: 1, which: "agent" };
      const second = { key: id("rl"), windowMs: 60_000, max: 10, which: "environment" };
      expect(await f.gate.admit({ limits: [first, second] })).toEqual({ ok: true, denialTripped: false });
      const refused = await f.gate.admit({ limits: [first, second] });
      expect(refused).toMatchObject({ ok: false, failed: "rate_limited", which: "agent" });
      expect((refused as { resetInMs: number }).resetInMs).toBeGreaterThan(0);
      expect((await f.counter.hit(second.key, 60_000)).count).toBe(2);
    });

    it("refuses a suspended agent (suspended through the SuspensionStore) and stores nothing", async () => {
      const agent = id("agent");
      const jti = id("jti");
      await f.suspensions.suspend(agent, Date.now());
      expect(await f.gate.admit({ suspendedAgent: agent, credential: { jti, state: state(agent), ttlMs: 60_000 } })).toEqual({
        ok: false,
        failed: "suspended",
      });
      expect(await f.tokens.get(jti)).toBeUndefined();
    });

    it("trips the breaker on exactly the hit that makes a count max + 1: a destructive trip refuses, a denial trip is reported", async () => {
      const destructive = { key: id("cb"), windowMs: 60_000, max: 1 };
      expect(await f.gate.admit({ destructive })).toEqual({ ok: true, denialTripped: false });
      expect(await f.gate.admit({ destructive })).toEqual({ ok: false, failed: "tripped" });
      expect(await f.gate.admit({ destructive })).toEqual({ ok: true, denialTripped: false });
      const denial = { key: id("cb"), windowMs: 60_000, max: 1 };
      expect(await f.gate.admit({ denial })).toEqual({ ok: true, denialTripped: false });
      expect(await f.gate.admit({ denial })).toEqual({ ok: true, denialTripped: true });
      expect(await f.gate.admit({ denial })).toEqual({ ok: true, denialTripped: false });
    });

    it("redeems: spends uses atomically, exactly once each under concurrency", async () => {
      const agent = id("agent");
      const jti = id("jti");
      await f.tokens.put(jti, state(agent), 60_000);
      const results = await Promise.all(Array.from({ length: 6 }, () => f.gate.redeem({ agent, issuedAtMs: Date.now(), jti })));
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.filter((r) => !r.ok && r.reason === "exhausted")).toHaveLength(4);
      expect(await f.gate.redeem({ agent, issuedAtMs: Date.now(), jti: id("jti") })).toEqual({ ok: false, reason: "unknown" });
    });

    it("redeems: refuses a replayed caller assertion, and a credential issued before its agent's suspension (even after resume)", async () => {
      const agent = id("agent");
      const jti = id("jti");
      await f.tokens.put(jti, { ...state(agent), usesLeft: null }, 60_000);
      const replay = { key: id("assertion"), ttlMs: 60_000 };
      expect(await f.gate.redeem({ replay, agent, issuedAtMs: Date.now(), jti })).toEqual({ ok: true, usesLeft: null });
      expect(await f.gate.redeem({ replay, agent, issuedAtMs: Date.now(), jti })).toEqual({ ok: false, reason: "replay" });
      const issuedAtMs = Date.now() - 1000;
      await f.suspensions.suspend(agent, Date.now());
      await f.suspensions.resume(agent);
      expect(await f.gate.redeem({ agent, issuedAtMs, jti })).toEqual({ ok: false, reason: "agent_suspended" });
      await f.tokens.revoke(jti);
      expect(await f.gate.redeem({ agent, issuedAtMs: Date.now() + 1000, jti })).toEqual({ ok: false, reason: "revoked" });
    });
  });
}
