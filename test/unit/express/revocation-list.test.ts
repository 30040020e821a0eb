import { RevocationList } from "@locksmith/express";

// Suspensions heard on the stream, as offline verification applies them (issue 18, item 5).

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = NOW / 1000;
const claims = (agent: string, issuedAt: number) => ({ jti: `${agent}-${issuedAt}`, agent, environment: "production", issuedAt });

describe("RevocationList and suspensions", () => {
  test("a suspension refuses every credential of the agent, older and newer, and no other agent's", () => {
    const list = new RevocationList();
    list.add({ agent: "a", environment: "production", before: S + 1, suspended: true }, NOW);
    expect(list.isRevoked(claims("a", S - 60), NOW)).toBe(true);
    expect(list.isRevoked(claims("a", S + 5), NOW + 6000)).toBe(true);
    expect(list.isRevoked(claims("b", S - 60), NOW)).toBe(false);
  });

  test("a resumption lifts it for credentials issued after the suspension, not before", () => {
    const list = new RevocationList();
    list.add({ agent: "a", environment: "production", before: S + 1, suspended: true }, NOW);
    list.add({ agent: "a", environment: "production", resumed: true }, NOW + 10_000);
    expect(list.isRevoked(claims("a", S + 20), NOW + 20_000)).toBe(false);
    expect(list.isRevoked(claims("a", S - 60), NOW + 20_000)).toBe(true);
  });

  test("a suspension with `until` ends by itself then", () => {
    const list = new RevocationList();
    list.add({ agent: "a", environment: "production", before: S + 1, suspended: true, until: S + 300 }, NOW);
    expect(list.isRevoked(claims("a", S + 100), NOW + 200_000)).toBe(true);
    expect(list.isRevoked(claims("a", S + 100), NOW + 300_000)).toBe(false);
  });
});
