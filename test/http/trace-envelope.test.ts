import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import request from "supertest";
import { approverToken } from "../support/approvers";
import { corpUserToken } from "../support/corp-user";
import { LocksmithApi, requestIdOf, type Response } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY, type ExamplePrincipal } from "../support/principals";

// One call envelope: every ledger row a request writes carries the trace id of the caller's `traceparent`,
// whichever endpoint wrote it (issue 14).

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let policyFile: string;
beforeAll(async () => {
  policyFile = join(mkdtempSync(join(tmpdir(), "locksmith-trace-")), "policy.yaml");
  copyFileSync(COMPANY_POLICY, policyFile);
  sut = await startLocksmith({ policyFile });
  api = new LocksmithApi(sut);
});
afterAll(async () => {
  await sut?.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const READ = { scope: "crm:read", resource: "crm:customers/42" };

/** Sends the call with a fresh traceparent; expects `status`, and every ledger row of the call (at least `rows`) to carry its trace id. */
async function traced(call: (traceparent: string) => Promise<Response>, status: number, rows = 1): Promise<Response> {
  const traceId = randomBytes(16).toString("hex");
  const res = await call(`00-${traceId}-${randomBytes(8).toString("hex")}-01`);
  expect(res.status).toBe(status);
  const written = await api.ledger({ requestId: requestIdOf(res) });
  expect(written.length).toBeGreaterThanOrEqual(rows);
  expect(written.map((row) => [row.type, row.traceId])).toEqual(written.map((row) => [row.type, traceId]));
  return res;
}

const as = async (caller: ExamplePrincipal) => api.headers(caller);
const asApprover = async (subject: string) => ({ authorization: `Bearer ${await approverToken(subject, ["sre"])}` });

test("the v1 credential endpoints: issue (issued, denied, pending), redeem, revoke", async () => {
  const issued = await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/credentials")
        .set({ ...(await as("support-agent")), traceparent: tp })
        .send(READ),
    201,
  );
  api.secrets.push(issued.body.credential);
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/credentials")
        .set({ ...(await as("support-agent")), traceparent: tp })
        .send({ scope: "crm:delete", resource: "crm:customers/42" }),
    403,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/credentials")
        .set({ ...(await as("billing-agent")), traceparent: tp })
        .send({ scope: "billing:void", resource: "billing:invoices/1" }),
    202,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/credentials/redeem")
        .set({ ...(await as("crm-prod")), traceparent: tp })
        .send({ credential: issued.body.credential }),
    200,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .delete(`/v1/credentials/${issued.body.jti}`)
        .set({ ...(await as("support-agent")), traceparent: tp }),
    204,
  );
});

test("the kill switch, the approval gate (votes and collection) and the admin endpoints", async () => {
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/revocations")
        .set({ ...(await as("security-oncall")), traceparent: tp })
        .send({ agent: "staging-deploy-agent" }),
    200,
  );
  const asked = await api.issue("billing-agent", { scope: "billing:void", resource: "billing:invoices/2" });
  const id = String(asked.body.request_id);
  await traced(
    async (tp) =>
      request(api.app)
        .post(`/v1/approvals/${id}`)
        .set({ ...(await asApprover("alice")), traceparent: tp })
        .send({ decision: "approve" }),
    200,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post(`/v1/approvals/${id}`)
        .set({ ...(await asApprover("bob")), traceparent: tp })
        .send({ decision: "approve" }),
    200,
  );
  const collected = await traced(
    async (tp) =>
      request(api.app)
        .get(`/v1/credentials/requests/${id}`)
        .set({ ...(await as("billing-agent")), traceparent: tp }),
    200,
  );
  expect(collected.body.status).toBe("approved");
  api.secrets.push(collected.body.credential);

  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/agents/support-agent/suspend")
        .set({ ...(await as("security-oncall")), traceparent: tp })
        .send({}),
    200,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/agents/support-agent/resume")
        .set({ ...(await as("security-oncall")), traceparent: tp })
        .send({}),
    200,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/v1/admin/keys/rotate")
        .set({ ...(await as("security-oncall")), traceparent: tp })
        .send({ environment: "staging" }),
    200,
  );

  const reload = async (tp: string) =>
    request(api.app)
      .post("/v1/admin/policy/reload")
      .set({ ...(await as("security-oncall")), traceparent: tp });
  writeFileSync(policyFile, "not: [a bundle");
  await traced(reload, 400);
  writeFileSync(policyFile, `${readFileSync(COMPANY_POLICY, "utf8")}\n# reloaded: another version\n`);
  await traced(reload, 200);
});

test("the OAuth endpoints: both grants of /oauth/token, introspection and revocation", async () => {
  const form = async (caller: ExamplePrincipal, tp: string) => ({ ...(await as(caller)), traceparent: tp });
  const token = await traced(
    async (tp) =>
      request(api.app)
        .post("/oauth/token")
        .type("form")
        .set(await form("support-agent", tp))
        .send({ grant_type: "client_credentials", ...READ }),
    200,
  );
  api.secrets.push(token.body.access_token);
  const mary = await corpUserToken("mary", "crm:read");
  const exchanged = await traced(
    async (tp) =>
      request(api.app)
        .post("/oauth/token")
        .type("form")
        .set(await form("support-agent", tp))
        .send({ grant_type: EXCHANGE, ...READ, subject_token: mary, subject_token_type: JWT_TYPE }),
    200,
  );
  api.secrets.push(exchanged.body.access_token);
  await traced(
    async (tp) =>
      request(api.app)
        .post("/oauth/token")
        .type("form")
        .set(await form("support-agent", tp))
        .send({ grant_type: "client_credentials", scope: "crm:delete", resource: "crm:customers/1" }),
    400,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/oauth/introspect")
        .type("form")
        .set(await form("crm-prod", tp))
        .send({ token: token.body.access_token }),
    200,
  );
  await traced(
    async (tp) =>
      request(api.app)
        .post("/oauth/revoke")
        .type("form")
        .set(await form("support-agent", tp))
        .send({ token: token.body.access_token }),
    200,
  );
});
