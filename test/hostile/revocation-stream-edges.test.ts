import { resolve } from "node:path";
import request from "supertest";
import { LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor } from "../support/principals";
import { revocationBacklog } from "../support/revocation-backlog";

// What the revocation stream carries (issue 18): one entry per revocation however often it is repeated
// (item 4), suspensions and resumptions like revocations (item 5), and the listener's own environment (item 6).

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut?.close());

const issueRead = () => api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
const naming = (events: Record<string, unknown>[], field: string, value: string) => events.filter((e) => e[field] === value);

describe("idempotent revocation (item 4)", () => {
  test("revoking one credential 20 times, by DELETE and by /oauth/revoke, holder and admin, puts one entry on the stream", async () => {
    const issued = await issueRead();
    for (let i = 0; i < 10; i++) expect((await api.revoke(i % 2 ? "security-oncall" : "support-agent", issued.jti)).status).toBe(204);
    for (let i = 0; i < 10; i++) {
      const res = await request(api.app)
        .post("/oauth/revoke")
        .type("form")
        .send({
          token: issued.credential,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: await assertionFor("support-agent", TEST_ISSUER),
        });
      expect(res.status).toBe(200);
    }
    const { events } = await revocationBacklog(sut);
    expect(naming(events, "jti", issued.jti)).toEqual([{ jti: issued.jti, environment: "production" }]);
  });

  test("the ledger keeps every attempt: the first as the revocation, each repeat as already_revoked", async () => {
    const issued = await issueRead();
    for (let i = 0; i < 3; i++) await api.revoke("support-agent", issued.jti);
    const rows = await api.ledger({ jti: issued.jti, type: "revoked" });
    expect(rows.map((row) => row.reason ?? "revoked")).toEqual(["revoked", "already_revoked", "already_revoked"]);
  });
});

describe("the ready event names the listener's environment (item 6)", () => {
  test("production for crm-prod, staging for crm-staging", async () => {
    expect((await revocationBacklog(sut, "crm-prod")).ready).toEqual({ environment: "production" });
    expect((await revocationBacklog(sut, "crm-staging")).ready).toEqual({ environment: "staging" });
  });
});

describe("suspensions travel on the stream (item 5)", () => {
  const admin = async (agent: string, action: "suspend" | "resume") =>
    request(api.app)
      .post(`/v1/agents/${agent}/${action}`)
      .set(await api.headers("security-oncall"))
      .send({});

  test("an admin's suspension and resumption each publish one event, to the agent's environment only", async () => {
    expect((await admin("support-agent", "suspend")).status).toBe(200);
    const suspended = naming((await revocationBacklog(sut)).events, "agent", "support-agent").filter((e) => e.suspended === true);
    expect(suspended).toEqual([{ agent: "support-agent", environment: "production", before: expect.any(Number), suspended: true }]);
    expect(naming((await revocationBacklog(sut, "crm-staging")).events, "agent", "support-agent")).toEqual([]);

    expect((await admin("support-agent", "resume")).status).toBe(200);
    const resumed = naming((await revocationBacklog(sut)).events, "agent", "support-agent").filter((e) => e.resumed === true);
    expect(resumed).toEqual([{ agent: "support-agent", environment: "production", resumed: true }]);
  });
});

describe("a circuit-breaker trip travels on the stream (item 5)", () => {
  let breaker: LocksmithUnderTest;
  beforeAll(async () => {
    breaker = await startLocksmith({ policyFile: resolve(__dirname, "..", "fixtures", "circuit-breaker.policy.yaml") });
  });
  afterAll(() => breaker?.close());

  test("the destructive request that trips it publishes the agent's suspension", async () => {
    const tripping = new LocksmithApi(breaker);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await tripping.issue("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" })).status);
    expect(statuses).toEqual([201, 201, 403]);
    const { events } = await revocationBacklog(breaker, "infra-staging");
    expect(naming(events, "agent", "staging-deploy-agent").filter((e) => e.suspended === true)).toEqual([
      expect.objectContaining({ agent: "staging-deploy-agent", environment: "staging", before: expect.any(Number), suspended: true }),
    ]);
  });
});
