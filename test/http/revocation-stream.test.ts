import request from "supertest";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi } from "../support/locksmith-api";

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut?.close());

describe("GET /v1/revocations/stream", () => {
  test("401 invalid_client without an assertion", async () => {
    expectError(await request(sut.locksmith.http).get("/v1/revocations/stream"), 401, "invalid_client");
  });

  test("403 for an agent: only resource servers listen", async () => {
    const res = await request(sut.locksmith.http)
      .get("/v1/revocations/stream")
      .set(await api.headers("support-agent"));
    expectError(res, 403, "permission_denied", { reason: "wrong_principal_kind" });
  });

  test("400 invalid_request for a Last-Event-ID it never sent", async () => {
    const res = await request(sut.locksmith.http)
      .get("/v1/revocations/stream")
      .set({ ...(await api.headers("crm-prod")), "last-event-id": "not-an-id" });
    expectError(res, 400, "invalid_request");
  });
});
