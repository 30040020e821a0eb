import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";
import { runCli } from "./run-cli";
import { findEvents } from "../support/find-events";

describe("locksmith policy test --live", () => {
  let sut: LocksmithUnderTest;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    sut = await startLocksmith({ policyFile: COMPANY_POLICY });
    server = sut.locksmith.http.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await sut?.close();
  });

  it("runs the example's boundary cases through the real API, signing as each agent, and every denial left a ledger row", async () => {
    const r = await runCli("policy", "test", "examples/company-policy.test.yaml", "--live", url, "--issuer", TEST_ISSUER);
    expect(r.stdout).toMatch(/^13 passed, 0 failed, 3 skipped$/m);
    expect(r.stdout).toMatch(/PASS {2}PocketOS: staging agent never reaches the production database +deny \(environment_wall\) +deny \(environment_wall\)/);
    expect(r.stdout).toMatch(/SKIP {2}John: acting for John.* needs a user token/);
    expect(r.code).toBe(0);
    const denied = await findEvents(sut.locksmith.ledger, { type: "denied", limit: 1000 });
    expect(denied.map((e) => e.reason).sort()).toEqual([
      "environment_wall",
      "explicit_deny",
      "explicit_deny",
      "explicit_deny",
      "no_grant",
      "ttl_exceeds_policy",
    ]);
    expect(await findEvents(sut.locksmith.ledger, { type: "pending_approval", limit: 1000 })).toHaveLength(3);
  });

  it("fails with exit 1 when Locksmith answers otherwise than the file expects", async () => {
    const r = await runCli("policy", "test", "test/fixtures/policy-cli/failing.test.yaml", "--live", url, "--issuer", TEST_ISSUER, "--keys", "examples/keys");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}wrongly expects a staging agent to reach production +allow +deny \(environment_wall\)/);
  });

  it("fails with exit 1 when the URL does not answer", async () => {
    const r = await runCli("policy", "test", "examples/company-policy.test.yaml", "--live", "http://127.0.0.1:9", "--issuer", TEST_ISSUER);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach http://127.0.0.1:9");
  });
});
