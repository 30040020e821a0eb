import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import request from "supertest";
import { parse, stringify } from "yaml";
import { approverToken } from "../support/approvers";
import { corpUserToken } from "../support/corp-user";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";

// A credential handed out through the approval gate is the same credential as a directly issued one:
// same subject indexes (every kill switch reaches it), same claims (sub = the person, act = the agent),
// same ledger row; and it is decided again when collected (issue 14, issue 18 item 10).

const VOID = { scope: "billing:void", resource: "billing:invoices/7" };
const BILLING = "https://billing.example.com";

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let policyFile: string;
beforeAll(async () => {
  policyFile = join(mkdtempSync(join(tmpdir(), "locksmith-hand-out-")), "policy.yaml");
  copyFileSync(COMPANY_POLICY, policyFile);
  sut = await startLocksmith({ policyFile });
  api = new LocksmithApi(sut);
});
afterAll(async () => {
  await sut?.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

const vote = async (id: string, subject: string) =>
  request(api.app)
    .post(`/v1/approvals/${id}`)
    .set({ authorization: `Bearer ${await approverToken(subject, ["sre"])}` })
    .send({ decision: "approve" });
const poll = async (id: string) =>
  request(api.app)
    .get(`/v1/credentials/requests/${id}`)
    .set(await api.headers("billing-agent"));

/** Asks for billing:void (two SREs must approve), optionally for a person; returns the approved request's id. */
async function approvedRequest(onBehalfOf?: string): Promise<string> {
  const asked = await api.issue("billing-agent", { ...VOID, ...(onBehalfOf ? { on_behalf_of: onBehalfOf } : {}) });
  expect(asked.status).toBe(202);
  const id = String(asked.body.request_id);
  expect((await vote(id, "alice")).status).toBe(200);
  expect((await vote(id, "bob")).body).toMatchObject({ status: "approved" });
  return id;
}

async function collect(id: string): Promise<{ credential: string; jti: string }> {
  const res = await poll(id);
  expect(res.body).toMatchObject({ status: "approved", credential: expect.any(String) });
  api.secrets.push(res.body.credential);
  return res.body;
}

const revokeBy = async (subject: Record<string, string>) =>
  request(api.app)
    .post("/v1/revocations")
    .set(await api.headers("security-oncall"))
    .send(subject);

describe("an approved credential and the kill switches", () => {
  test.each([
    ["its environment", { environment: "production" }],
    ["its user", { user: "john" }],
    ["its agent", { agent: "billing-agent" }],
  ])("is revoked by revocation of %s, and then redeems active:false", async (_name, subject) => {
    const { credential } = await collect(await approvedRequest(await corpUserToken("john", "billing:void")));
    const res = await revokeBy(subject);
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBeGreaterThanOrEqual(1);
    expect((await api.redeem("billing-prod", { credential })).body).toEqual({ active: false });
  });
});

describe("an approved delegated credential", () => {
  test("says sub = the person and act.sub = the agent (nested chain kept), and its issued row names the person", async () => {
    const john = await corpUserToken("john", "billing:void", { sub: "orchestrator" });
    const id = await approvedRequest(john);
    const { credential, jti } = await collect(id);
    const jwks = (await request(api.app).get("/.well-known/jwks.json")).body as JSONWebKeySet;
    const { payload } = await jwtVerify(credential, createLocalJWKSet(jwks), { issuer: TEST_ISSUER, audience: BILLING, typ: "at+jwt" });
    expect(payload).toMatchObject({ sub: "john", client_id: "billing-agent", act: { sub: "billing-agent", act: { sub: "orchestrator" } } });

    const issued = (await api.ledger({ jti })).filter((row) => row.type === "issued");
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      user: "john",
      agent: "billing-agent",
      environment: "production",
      audience: BILLING,
      detail: expect.objectContaining({ approval_request: id, approvals: "alice bob" }),
    });
    expect((await api.redeem("billing-prod", { credential })).body).toMatchObject({ active: true, sub: "john", user: "john", agent: "billing-agent" });
  });
});

describe("collecting an approved request decides it again (issue 18 item 10)", () => {
  const original = () => readFileSync(COMPANY_POLICY, "utf8");
  const reload = async () => {
    const res = await request(api.app)
      .post("/v1/admin/policy/reload")
      .set(await api.headers("security-oncall"));
    expect(res.status).toBe(200);
  };
  afterEach(async () => {
    writeFileSync(policyFile, original());
    await reload();
    await request(api.app)
      .post("/v1/agents/billing-agent/resume")
      .set(await api.headers("security-oncall"));
  });

  test("a deny rule loaded after the approval refuses the collection: 403 with the reason, and a denied row", async () => {
    const id = await approvedRequest();
    const bundle = parse(original());
    bundle.roles["billing-operator"].deny.push({ scopes: ["billing:void"], resources: ["**"] });
    writeFileSync(policyFile, stringify(bundle));
    await reload();

    const res = await poll(id);
    expectError(res, 403, "permission_denied", { reason: "explicit_deny" });
    expect(res.body.credential).toBeUndefined();
    const rows = await api.ledger({ requestId: String(res.headers["x-request-id"]) });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: "denied",
      decision: "deny",
      reason: "explicit_deny",
      agent: "billing-agent",
      detail: expect.objectContaining({ approval_request: id }),
    });
    expect(await api.ledger({ type: "issued", agent: "billing-agent" }).then((all) => all.filter((row) => row.detail?.approval_request === id))).toEqual([]);
  });

  test("an agent killed, suspended and resumed since the request cannot collect it", async () => {
    const id = await approvedRequest();
    const admin = async () => api.headers("security-oncall");
    expect((await revokeBy({ agent: "billing-agent" })).status).toBe(200);
    expect(
      (
        await request(api.app)
          .post("/v1/agents/billing-agent/suspend")
          .set(await admin())
          .send({})
      ).status,
    ).toBe(200);
    expect(
      (
        await request(api.app)
          .post("/v1/agents/billing-agent/resume")
          .set(await admin())
          .send({})
      ).status,
    ).toBe(200);

    const res = await poll(id);
    expectError(res, 403, "permission_denied", { reason: "agent_suspended" });
    const [row] = await api.ledger({ requestId: String(res.headers["x-request-id"]) });
    expect(row).toMatchObject({ type: "denied", reason: "agent_suspended", agent: "billing-agent" });
  });

  test("a kill switch since the request alone (revocation by user) refuses the collection", async () => {
    const id = await approvedRequest(await corpUserToken("jane", "billing:void"));
    expect((await revokeBy({ user: "jane" })).status).toBe(200);
    const res = await poll(id);
    expectError(res, 403, "permission_denied", { reason: "revoked_since_request" });
    const [row] = await api.ledger({ requestId: String(res.headers["x-request-id"]) });
    expect(row).toMatchObject({ type: "denied", reason: "revoked_since_request", user: "jane", agent: "billing-agent" });
  });

  test("a kill switch before the request does not stop it", async () => {
    expect((await revokeBy({ user: "joan" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const id = await approvedRequest(await corpUserToken("joan", "billing:void"));
    await collect(id);
  });
});
