import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import request from "supertest";
import { Locksmith } from "@locksmith/client";
import { LocksmithResourceServer } from "@locksmith/express";
import { Interposer } from "../support/interposer";
import { forgeWithLocksmithKey, startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { assertionFor, exampleKey } from "../support/principals";
import { findEvents } from "../support/find-events";

const CRM = "https://crm.example.com";
let locksmith: ListeningLocksmith;
let proxy: Interposer;
let crm: LocksmithResourceServer;
let app: express.Express;
let agent: Locksmith;

function crmApp(server: LocksmithResourceServer): express.Express {
  const crmApp = express();
  const customer = (req: express.Request) => `crm:customers/${req.params.id}`;
  for (const redeem of ["online", "offline"] as const) {
    crmApp.get(`/${redeem}/customers/:id`, server.requireCredential({ scope: "crm:read", resource: customer, redeem }), (req, res) => {
      res.json(req.locksmith);
    });
  }
  crmApp.post(
    "/online/customers/:id/notes",
    server.requireCredential({ scope: "crm:note", resource: (req) => `crm:customers/${req.params.id}/notes` }),
    (_req, res) => {
      res.status(201).end();
    },
  );
  return crmApp;
}

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

beforeAll(async () => {
  locksmith = await startListeningLocksmith();
  proxy = await Interposer.start(locksmith.url);
  crm = new LocksmithResourceServer({
    url: proxy.url,
    issuer: TEST_ISSUER,
    id: "crm-prod",
    key: exampleKey("crm-prod"),
    audience: CRM,
    stream: { reconnectMs: 50 },
  });
  app = crmApp(crm);
  agent = new Locksmith({ url: locksmith.url, issuer: TEST_ISSUER, agent: "support-agent", key: exampleKey("support-agent") });
  expect(await until(() => crm.streamLive, 5000)).toBe(true);
});
afterAll(async () => {
  await crm?.close();
  await proxy?.close();
  await locksmith?.close();
});

describe("requireCredential", () => {
  test("online: redeems at Locksmith and puts who and what on the request", async () => {
    const credential = await read();
    const res = await request(app).get("/online/customers/42").set(bearer(credential.token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jti: credential.jti, agent: "support-agent", scope: ["crm:read"], resource: "crm:customers/42", redeemed: true });
    const rows = await findEvents(locksmith.sut.locksmith.ledger, { jti: credential.jti, limit: 10 });
    expect(rows.map((row) => row.type)).toContain("redeemed");
  });

  test("offline: verifies against the JWKS without calling Locksmith", async () => {
    const credential = await read();
    proxy.seen.splice(0);
    const res = await request(app).get("/offline/customers/42").set(bearer(credential.token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jti: credential.jti, redeemed: false });
    expect(proxy.seen.filter((line) => line.startsWith("POST"))).toEqual([]);
  });

  test("online: a limited-use credential stops working when its uses are spent", async () => {
    const note = await agent.credential({ scope: "crm:note", resource: "crm:customers/42/notes" });
    for (let i = 0; i < 3; i++) expect((await request(app).post("/online/customers/42/notes").set(bearer(note.token))).status).toBe(201);
    const spent = await request(app).post("/online/customers/42/notes").set(bearer(note.token));
    expect(spent.status).toBe(401);
    expect(spent.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
  });

  test("401 without a token, with a bare Bearer challenge (RFC 6750 §3.1)", async () => {
    const res = await request(app).get("/offline/customers/42");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(`Bearer realm="${CRM}"`);
    expect(res.body).toEqual({ error: "invalid_token", error_description: expect.any(String) });
  });

  test("401 invalid_token for a token minted for another audience", async () => {
    const other = new LocksmithResourceServer({
      url: locksmith.url,
      issuer: TEST_ISSUER,
      id: "crm-prod",
      key: exampleKey("crm-prod"),
      audience: "https://other.example.com",
    });
    const res = await request(crmApp(other))
      .get("/online/customers/42")
      .set(bearer((await read()).token));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toMatch(/not issued for this server/);
  });

  test("401 invalid_token for an expired token and for one whose typ is not at+jwt", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: TEST_ISSUER,
      aud: CRM,
      sub: "support-agent",
      client_id: "support-agent",
      jti: "forged-1",
      scope: "crm:read",
      resource: "crm:customers/42",
      env: "production",
      iat: now - 600,
      exp: now - 300,
    };
    const expired = await request(app)
      .get("/offline/customers/42")
      .set(bearer(await forgeWithLocksmithKey(locksmith.sut, claims)));
    expect(expired.status).toBe(401);
    expect(expired.body.error_description).toMatch(/expired/);
    const jwtTyp = await forgeWithLocksmithKey(locksmith.sut, { ...claims, exp: now + 300 }, { typ: "JWT" });
    const wrongTyp = await request(app).get("/offline/customers/42").set(bearer(jwtTyp));
    expect(wrongTyp.status).toBe(401);
    expect(wrongTyp.body.error_description).toMatch(/at\+jwt/);
  });

  test("401 invalid_token for a tampered token", async () => {
    const [header, payload, signature] = (await read()).token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: "crm:read crm:delete" })).toString("base64url");
    const res = await request(app)
      .get("/offline/customers/42")
      .set(bearer(`${header}.${widened}.${signature}`));
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
  });

  test("403 insufficient_scope for a missing scope, naming only the scope needed", async () => {
    const wrongScope = await agent.credential({ scope: "crm:note", resource: "crm:customers/42/notes" });
    const res = await request(app).get("/offline/customers/42").set(bearer(wrongScope.token));
    expect(res.status).toBe(403);
    expect(res.headers["www-authenticate"]).toMatch(/error="insufficient_scope".*scope="crm:read"/);
    expect(res.body.error).toBe("insufficient_scope");
  });

  test("403 invalid_target, not insufficient_scope, for a token of another resource that has every scope", async () => {
    const res = await request(app)
      .get("/offline/customers/43")
      .set(bearer((await read("42")).token));
    expect(res.status).toBe(403);
    expect(res.headers["www-authenticate"]).toMatch(/error="invalid_target"/);
    expect(res.headers["www-authenticate"]).not.toMatch(/insufficient_scope|scope=/);
    expect(res.body.error).toBe("invalid_target");
  });
});

describe("revocation reaches offline verification", () => {
  test("a revoked credential is rejected offline within one second", async () => {
    const credential = await read();
    expect((await request(app).get("/offline/customers/42").set(bearer(credential.token))).status).toBe(200);
    await credential.revoke();
    const rejected = await until(async () => (await request(app).get("/offline/customers/42").set(bearer(credential.token))).status === 401, 1000);
    expect(rejected).toBe(true);
  });

  test("while the stream is cut, offline falls back to online redemption (fail closed), then resumes with Last-Event-ID", async () => {
    const keep = await read();
    const revokedDuringCut = await read();
    proxy.cutStream();
    expect(await until(() => !crm.streamLive, 2000)).toBe(true);
    await revokedDuringCut.revoke();

    const refused = await request(app).get("/offline/customers/42").set(bearer(revokedDuringCut.token));
    expect(refused.status).toBe(401);
    const fallback = await request(app).get("/offline/customers/42").set(bearer(keep.token));
    expect(fallback.body).toMatchObject({ jti: keep.jti, redeemed: true });

    proxy.seen.splice(0);
    proxy.restoreStream();
    expect(await until(() => crm.streamLive, 5000)).toBe(true);
    expect(proxy.seen.some((line) => line.startsWith("GET /v1/revocations/stream"))).toBe(true);
    const offline = await request(app).get("/offline/customers/42").set(bearer(revokedDuringCut.token));
    expect(offline.status).toBe(401);
    expect(proxy.seen.filter((line) => line.startsWith("POST"))).toEqual([]);
  });

  test("with whenStreamDown: reject, a cut stream answers 503 instead of trusting the token", async () => {
    const strict = new LocksmithResourceServer({
      url: "http://127.0.0.1:9",
      issuer: TEST_ISSUER,
      id: "crm-prod",
      key: exampleKey("crm-prod"),
      audience: CRM,
      whenStreamDown: "reject",
    });
    const server: Server = crmApp(strict).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/offline/customers/42`, { headers: bearer((await read()).token) });
    expect(res.status).toBe(503);
    await strict.close();
    server.close();
  });
});

// Last in this file: it revokes every credential of support-agent issued up to now (this second included).
describe("revocation by subject reaches offline verification", () => {
  test("an admin's revocation of every credential of an agent is rejected offline within one second", async () => {
    const credential = await read();
    expect((await request(app).get("/offline/customers/42").set(bearer(credential.token))).status).toBe(200);
    const revoked = await fetch(`${locksmith.url}/v1/revocations`, {
      method: "POST",
      headers: { authorization: `Bearer ${await assertionFor("security-oncall", TEST_ISSUER)}`, "content-type": "application/json" },
      body: JSON.stringify({ agent: "support-agent" }),
    });
    expect(revoked.status).toBeLessThan(300);
    const rejected = await until(async () => (await request(app).get("/offline/customers/42").set(bearer(credential.token))).status === 401, 1000);
    expect(rejected).toBe(true);
  });
});
