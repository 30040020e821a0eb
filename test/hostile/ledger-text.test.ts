import request from "supertest";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// Text that PostgreSQL's text type refuses (NUL) or cannot keep as sent (an unpaired surrogate), in a field bound
// for the ledger or its filters, is the caller's mistake: 400 invalid_request at the HTTP edge, never a 503 and
// never a store error in the logs (issue 18, item 13).

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const storeErrorsLogged = () => sut.logs.filter((line) => /store unavailable|unexpected error/.test(line)).length;

describe("auditor filters", () => {
  test.each(["agent", "user", "environment", "scope", "resource", "jti"])("a NUL in ?%s= is 400 on events and export", async (field) => {
    const before = storeErrorsLogged();
    for (const path of ["/v1/audit/events", "/v1/audit/export"]) {
      const res = await request(api.app)
        .get(`${path}?${field}=a%00b`)
        .set(await api.headers("security-auditor"));
      expectError(res, 400, "invalid_request");
    }
    expect(storeErrorsLogged()).toBe(before);
  });

  test("(control: a plain filter is answered)", async () => {
    const res = await request(api.app)
      .get("/v1/audit/events?agent=support-agent")
      .set(await api.headers("security-auditor"));
    expect(res.status).toBe(200);
  });
});

describe("revocation by subject", () => {
  test.each([
    ["agent", "a\u0000b"],
    ["user", "mary\u0000"],
    ["environment", "\u0000"],
    ["agent", "\ud800"],
    ["user", "x\udc00y"],
  ])("POST /v1/revocations {%s: %j} is 400 and changes nothing", async (kind, id) => {
    const before = storeErrorsLogged();
    const rows = (await api.ledger({ type: "revoked" })).length;
    const res = await request(api.app)
      .post("/v1/revocations")
      .set(await api.headers("security-oncall"))
      .send({ [kind]: id });
    expectError(res, 400, "invalid_request");
    expect(storeErrorsLogged()).toBe(before);
    expect(await api.ledger({ type: "revoked" })).toHaveLength(rows);
  });
});
