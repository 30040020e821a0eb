import request from "supertest";
import { LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// LOCKSMITH_TRUST_PROXY: behind a load balancer the ledger's client_ip is the real caller (from
// X-Forwarded-For, as far as the trusted proxies reach); without the setting the header is ignored,
// so no caller can write the address of its choice into the ledger.

const READ = { scope: "crm:read", resource: "crm:customers/42" };
const forwarded = async (api: LocksmithApi, sut: LocksmithUnderTest, chain: string) =>
  api.rowOf(
    await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("x-forwarded-for", chain)
      .send(READ),
  );

describe("behind a trusted proxy (LOCKSMITH_TRUST_PROXY=loopback)", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith({ settings: { LOCKSMITH_TRUST_PROXY: "loopback" } });
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut.close());

  test("the ledger records the caller the proxy saw, not the proxy", async () => {
    expect((await forwarded(api, sut, "203.0.113.7")).clientIp).toBe("203.0.113.7");
  });

  test("an address the caller forged before an untrusted hop is not taken", async () => {
    // 198.51.100.9 (not trusted) forwarded the request; what it claims further left is not believed.
    expect((await forwarded(api, sut, "192.0.2.66, 198.51.100.9")).clientIp).toBe("198.51.100.9");
  });
});

describe("without LOCKSMITH_TRUST_PROXY", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith();
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut.close());

  test("X-Forwarded-For is ignored: the ledger records the peer", async () => {
    expect((await forwarded(api, sut, "203.0.113.7")).clientIp).toMatch(/127\.0\.0\.1|::1/);
  });
});
