import express from "express";
import request from "supertest";
import { Locksmith } from "@locksmith/client";
import { LocksmithResourceServer, type ResourceServerOptions } from "@locksmith/express";
import { forgeWithLocksmithKey, startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { assertionFor, exampleKey } from "../support/principals";

// @locksmith/express at its edges (issue 18): hostile path parameters (item 11), the environment wall offline
// (item 6), and suspensions heard offline like revocations (item 5).

const CRM = "https://crm.example.com";
let locksmith: ListeningLocksmith;
let crm: LocksmithResourceServer;
let app: express.Express;
let agent: Locksmith;

function crmApp(server: LocksmithResourceServer): express.Express {
  const crmApp = express();
  for (const redeem of ["online", "offline"] as const) {
    crmApp.get(
      `/${redeem}/customers/:id`,
      server.requireCredential({ scope: "crm:read", resource: (req) => `crm:customers/${req.params.id}`, redeem }),
      (req, res) => {
        res.json(req.locksmith);
      },
    );
  }
  return crmApp;
}

const crmServer = (options: Partial<ResourceServerOptions> = {}) =>
  new LocksmithResourceServer({
    url: locksmith.url,
    issuer: TEST_ISSUER,
    id: "crm-prod",
    key: exampleKey("crm-prod"),
    audience: CRM,
    stream: { reconnectMs: 50 },
    ...options,
  });
const read = (id = "42") => agent.credential({ scope: "crm:read", resource: `crm:customers/${id}` });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const until = async (condition: () => Promise<boolean> | boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
};
const offlineStatus = async (token: string) => (await request(app).get("/offline/customers/42").set(bearer(token))).status;

beforeAll(async () => {
  locksmith = await startListeningLocksmith();
  crm = crmServer();
  app = crmApp(crm);
  agent = new Locksmith({ url: locksmith.url, issuer: TEST_ISSUER, agent: "support-agent", key: exampleKey("support-agent") });
  expect(await until(() => crm.streamLive, 5000)).toBe(true);
});
afterAll(async () => {
  await crm?.close();
  await locksmith?.close();
});

describe("a hostile path parameter is a 4xx in the error shape, never a 500 (item 11)", () => {
  test.each([
    ["CR/LF with a header after it", "%0D%0ASet-Cookie:%20stolen=1"],
    ["a lone LF", "42%0A"],
    ["a NUL", "4%002"],
    ["a non-Latin-1 character", "%E2%98%83"],
    ["a Latin-1 character", "caf%C3%A9"],
    ["a quote and a backslash", "%22%5C"],
  ])("%s, online and offline", async (_name, id) => {
    const token = (await read()).token;
    for (const mode of ["online", "offline"]) {
      const res = await request(app).get(`/${mode}/customers/${id}`).set(bearer(token));
      // The token holds crm:read for another customer: the wrong resource (RFC 8707's invalid_target), not a missing scope.
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: "invalid_target", error_description: expect.any(String) });
      expect(res.headers["www-authenticate"]).toMatch(
        /^Bearer realm="https:\/\/crm\.example\.com", error="invalid_target", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*"$/,
      );
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  test("without a token too: 401 with a bare challenge", async () => {
    const res = await request(app).get("/offline/customers/%0D%0A%E2%98%83");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "invalid_token", error_description: expect.any(String) });
  });
});

describe("offline verification keeps the environment wall (item 6)", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (env: string) => ({
    iss: TEST_ISSUER,
    aud: CRM,
    sub: "support-agent",
    client_id: "support-agent",
    jti: `forged-${env}-${Date.now()}`,
    scope: "crm:read",
    resource: "crm:customers/42",
    env,
    iat: now(),
    exp: now() + 120,
  });

  test("(control: a production credential is accepted offline)", async () => {
    expect(await offlineStatus(await forgeWithLocksmithKey(locksmith.sut, claims("production")))).toBe(200);
  });

  test("a staging credential for an audience the production server shares is refused offline", async () => {
    const staging = await forgeWithLocksmithKey(locksmith.sut, claims("staging"), {}, "staging");
    const res = await request(app).get("/offline/customers/42").set(bearer(staging));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "invalid_token", error_description: expect.stringMatching(/environment/) });
  });

  test("a token claiming staging, even under the production key, is refused offline", async () => {
    expect(await offlineStatus(await forgeWithLocksmithKey(locksmith.sut, claims("staging")))).toBe(401);
  });

  test("the environment is the one the stream announces; a server pinned to another never trusts its list and redeems online", async () => {
    const pinned = crmServer({ environment: "staging" });
    const pinnedApp = crmApp(pinned);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pinned.streamLive).toBe(false);
      const res = await request(pinnedApp)
        .get("/offline/customers/42")
        .set(bearer((await read()).token));
      expect(res.body).toMatchObject({ redeemed: true });
    } finally {
      await pinned.close();
    }
  });

  test("a server pinned to its own environment verifies offline", async () => {
    const pinned = crmServer({ environment: "production" });
    const pinnedApp = crmApp(pinned);
    try {
      expect(await until(() => pinned.streamLive, 5000)).toBe(true);
      const res = await request(pinnedApp)
        .get("/offline/customers/42")
        .set(bearer((await read()).token));
      expect(res.body).toMatchObject({ redeemed: false });
    } finally {
      await pinned.close();
    }
  });
});

// Last in this file: it suspends support-agent, so its earlier credentials stay dead.
describe("a suspension reaches offline verification like a revocation (item 5)", () => {
  const admin = async (action: "suspend" | "resume") =>
    fetch(`${locksmith.url}/v1/agents/support-agent/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${await assertionFor("security-oncall", TEST_ISSUER)}`, "content-type": "application/json" },
      body: "{}",
    });

  test("suspended: its credentials are refused offline within one second; resumed: new ones pass, old ones stay dead", async () => {
    const before = await read();
    expect(await offlineStatus(before.token)).toBe(200);
    expect((await admin("suspend")).status).toBe(200);
    expect(await until(async () => (await offlineStatus(before.token)) === 401, 1000)).toBe(true);

    expect((await admin("resume")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await read();
    expect(await until(async () => (await offlineStatus(after.token)) === 200, 1000)).toBe(true);
    expect(await offlineStatus(before.token)).toBe(401);
  });
});
