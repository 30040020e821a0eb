import request from "supertest";
import { startDelegationWorld, type DelegationWorld } from "../support/delegation-setup";
import { LocksmithApi } from "../support/locksmith-api";

// `audit trace` of a credential killed by a kill switch (revocation by agent, user or environment) or by a
// suspension says `revoked`, with when, as redemption does (issue 18, item 12).

let world: DelegationWorld;
let api: LocksmithApi;
beforeAll(async () => {
  world = await startDelegationWorld();
  api = new LocksmithApi(world.sut);
});
afterAll(() => world?.close());

const read = { scope: "crm:read", resource: "crm:customers/42" };
const trace = async (jti: string) =>
  (
    await request(api.app)
      .get(`/v1/audit/trace/${jti}`)
      .set(await api.headers("security-auditor"))
  ).body;
const killSwitch = async (body: object) => {
  const res = await request(api.app)
    .post("/v1/revocations")
    .set(await api.headers("security-oncall"))
    .send(body);
  expect(res.status).toBe(200);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("revoked by user: the user's delegated credential is revoked; the agent's own is live", async () => {
  const mary = await world.corp.token("mary", { scope: "crm:read" });
  const delegated = await api.issued("support-agent", { ...read, on_behalf_of: mary });
  const own = await api.issued("support-agent", read);
  await killSwitch({ user: "mary" });
  expect(await trace(delegated.jti)).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
  expect((await trace(own.jti)).status).toBe("live");
  expect((await api.redeem("crm-prod", { credential: delegated.credential })).body).toEqual({ active: false });
});

test("revoked by environment: a staging credential is revoked; production ones are live", async () => {
  const staging = await api.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" });
  const production = await api.issued("support-agent", read);
  await killSwitch({ environment: "staging" });
  expect(await trace(staging.jti)).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
  expect((await trace(production.jti)).status).toBe("live");
});

test("revoked by agent: the agent's earlier credential is revoked; one issued after the kill switch is live", async () => {
  const before = await api.issued("support-agent", read);
  await killSwitch({ agent: "support-agent" });
  await sleep(1100);
  const after = await api.issued("support-agent", read);
  expect(await trace(before.jti)).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
  expect((await trace(after.jti)).status).toBe("live");
});

test("killed by a suspension: revoked, also after the agent is resumed", async () => {
  const before = await api.issued("support-agent", read);
  const admin = async (action: string) =>
    request(api.app)
      .post(`/v1/agents/support-agent/${action}`)
      .set(await api.headers("security-oncall"))
      .send({});
  expect((await admin("suspend")).status).toBe(200);
  expect((await admin("resume")).status).toBe(200);
  expect(await trace(before.jti)).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
  expect((await api.redeem("crm-prod", { credential: before.credential })).body).toEqual({ active: false });
});
