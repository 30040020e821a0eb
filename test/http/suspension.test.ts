import request from "supertest";
import { expectError, LocksmithApi, sleep } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";

const READ = { scope: "crm:read", resource: "crm:customers/42" };

describe("suspending an agent (POST /v1/agents/{id}/suspend|resume, admin)", () => {
  let sut: LocksmithUnderTest;
  let replica: LocksmithUnderTest;
  let api: LocksmithApi;
  let other: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith({ policyFile: COMPANY_POLICY });
    replica = await startLocksmith({ policyFile: COMPANY_POLICY, replicaOf: sut });
    api = new LocksmithApi(sut);
    other = new LocksmithApi(replica);
  });
  afterAll(async () => {
    await replica?.close();
    await sut?.close();
  });

  const admin = async (agent: string, action: "suspend" | "resume", body: object = {}) =>
    request(api.app)
      .post(`/v1/agents/${agent}/${action}`)
      .set(await api.headers("security-oncall"))
      .send(body);

  it("denies new requests and revokes live credentials on every replica; resume lifts the block but not the revocation", async () => {
    const live = await api.issued("support-agent", READ);
    expect((await other.redeem("crm-prod", { credential: live.credential })).body.active).toBe(true);

    const suspended = await admin("support-agent", "suspend", { reason: "incident 12" });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toEqual({ agent: "support-agent", status: "suspended", changed: true });
    expect((await admin("support-agent", "suspend")).body.changed).toBe(false);

    expectError(await other.issue("support-agent", READ), 403, "permission_denied", { reason: "agent_suspended" });
    expect((await other.redeem("crm-prod", { credential: live.credential })).body).toEqual({ active: false });
    expect((await api.issue("billing-agent", { scope: "billing:read", resource: "billing:invoices/1" })).status).toBe(201);

    const resumed = await admin("support-agent", "resume");
    expect(resumed.body).toEqual({ agent: "support-agent", status: "active", changed: true });
    expect((await api.redeem("crm-prod", { credential: live.credential })).body).toEqual({ active: false });
    // A credential issued in the second of the suspension counts as issued before it (iat has whole seconds).
    await sleep(1000 - (Date.now() % 1000) + 20);
    const fresh = await api.issued("support-agent", READ);
    expect((await api.redeem("crm-prod", { credential: fresh.credential })).body.active).toBe(true);

    const events = await api.ledger({ agent: "support-agent" });
    expect(events.filter((e) => e.type === "agent_suspended").map((e) => [e.actor, e.reason ?? null, e.detail?.purpose ?? null])).toEqual([
      ["security-oncall", null, "incident 12"],
      ["security-oncall", "already_suspended", null],
    ]);
    expect(events.filter((e) => e.type === "agent_resumed").map((e) => e.actor)).toEqual(["security-oncall"]);
    expect(events.some((e) => e.type === "denied" && e.reason === "agent_suspended")).toBe(true);
    expect(events.some((e) => e.type === "redeem_rejected" && e.reason === "agent_suspended" && e.jti === live.jti)).toBe(true);
  });

  it("is for admins only", async () => {
    const res = await request(api.app)
      .post("/v1/agents/support-agent/suspend")
      .set(await api.headers("billing-agent"))
      .send({});
    expectError(res, 403, "permission_denied", { reason: "wrong_principal_kind" });
    expectError(await request(api.app).post("/v1/agents/support-agent/suspend").send({}), 401, "invalid_client");
  });

  it("refuses an unknown agent or a bad body with 4xx", async () => {
    expectError(await admin("no-such-agent", "suspend"), 404, "not_found");
    expectError(await admin("bad%20id", "suspend"), 400, "invalid_request");
    expectError(await admin("support-agent", "suspend", { reason: "x", extra: 1 }), 400, "invalid_request");
  });
});
