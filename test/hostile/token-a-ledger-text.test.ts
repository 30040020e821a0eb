import request from "supertest";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// Anyone may open the authorization endpoint, and a refusal records the client_id it named: that text
// is the attacker's. It may be kept for the investigation, but never as forged lines or terminal
// escape codes in the ledger (log injection, OWASP).

let sut: LocksmithUnderTest;
beforeAll(async () => {
  sut = await startLocksmith();
});
afterAll(() => sut?.close());

test("a client_id with newlines and escape codes is refused and recorded without them", async () => {
  const forged = "nobody\n2026-11-29T17:00:00Z consent_given allow user=ceo\u001b[2J";
  const res = await request(sut.locksmith.http).get(`/oauth/authorize?client_id=${encodeURIComponent(forged)}`);
  expect(res.status).toBe(400);
  const [row] = await sut.locksmith.ledger.page({ type: "authorization_refused" }, 0n, 10);
  expect(row.reason).toBe("unknown_client");
  expect(String(row.detail?.client_id)).toMatch(/^nobody/);
  expect(String(row.detail?.client_id)).not.toMatch(/[\x00-\x1f\x7f]/);
}, 60_000);

test("a NUL in the client_id is a 400 like any unknown client, not a 503 from the ledger refusing the row", async () => {
  const res = await request(sut.locksmith.http).get(`/oauth/authorize?client_id=${encodeURIComponent("nobody\u0000")}`);
  expect(res.status).toBe(400);
  const rows = await sut.locksmith.ledger.page({ type: "authorization_refused" }, 0n, 10);
  expect(
    rows.some(
      (row) => row.reason === "unknown_client" && String(row.detail?.client_id).startsWith("nobody") && !String(row.detail?.client_id).includes("\u0000"),
    ),
  ).toBe(true);
}, 60_000);
