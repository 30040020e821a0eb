import request from "supertest";
import { BROWSER_REQUESTS_PER_MINUTE } from "../../src/http/middleware/browser-rate-limit";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// Anyone may open the authorization endpoint and every refusal is a ledger row: one address cannot
// turn that into a flood of ledger writes.

let sut: LocksmithUnderTest;
beforeAll(async () => {
  sut = await startLocksmith();
});
afterAll(() => sut?.close());

test("one address gets 429 after its per-minute budget, and nothing more is written to the ledger", async () => {
  const app = sut.locksmith.http;
  const statuses: number[] = [];
  for (let i = 0; i < BROWSER_REQUESTS_PER_MINUTE + 5; i++) statuses.push((await request(app).get("/oauth/authorize?client_id=nobody")).status);
  expect(statuses.slice(0, BROWSER_REQUESTS_PER_MINUTE).every((s) => s === 400)).toBe(true);
  expect(statuses.slice(BROWSER_REQUESTS_PER_MINUTE)).toEqual([429, 429, 429, 429, 429]);
  const limited = await request(app).get("/oauth/login/callback?state=x");
  expect(limited.status).toBe(429);
  expect(limited.headers["retry-after"]).toMatch(/^\d+$/);
  expect(await sut.locksmith.ledger.page({ type: "authorization_refused" }, 0n, 10_000)).toHaveLength(BROWSER_REQUESTS_PER_MINUTE);
  // Machines are not counted here: their endpoints keep their own limits.
  expect((await request(app).get("/.well-known/oauth-authorization-server")).status).toBe(200);
}, 60_000);
