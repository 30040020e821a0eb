import { IncomingMessage } from "node:http";
import express from "express";
import request, { type Response } from "supertest";
import { withHotRoutes } from "../../src/http/hot-routes";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { LocksmithApi } from "../support/locksmith-api";
import type { ExamplePrincipal } from "../support/principals";

// Issuance and redemption are served in front of express's dispatch (src/http/hot-routes.ts) by the
// same handlers. First: which requests take that path. Then: on the real app, every kind of answer
// of the two routes is the same through it as through express (reached with a query string, which
// express's routing ignores and the hot path never takes).

describe("the dispatch", () => {
  const seen: string[] = [];
  const app = express();
  const where = (req: express.Request) => (Object.getPrototypeOf(req) === IncomingMessage.prototype ? "hot" : "express");
  const front: express.RequestHandler[] = [
    (req, _res, next) => {
      seen.push(`front ${where(req)}`);
      next();
    },
  ];
  const route: express.RequestHandler[] = [
    (req, _res, next) => {
      seen.push(`route ${where(req)} ${(req.route as { path: string } | undefined)?.path}`);
      next();
    },
    (req, res) =>
      void res
        .status(201)
        .set("X-Seen", req.get("x-probe") ?? "none")
        .json({ path: req.path, ip: req.ip, body: req.body ?? null }),
  ];
  app.use(...front);
  app.post("/hot", ...route);
  app.post("/fails", async () => {
    throw new Error("boom");
  });
  const onError: express.ErrorRequestHandler = (error, _req, res, _next) => void res.status(500).json({ error: (error as Error).message });
  app.use(onError);
  const http = withHotRoutes(
    app,
    front,
    [
      { path: "/hot", handlers: route },
      {
        path: "/fails",
        handlers: [
          async () => {
            throw new Error("boom");
          },
        ],
      },
    ],
    onError,
  );
  beforeEach(() => seen.splice(0));

  test("an exact POST of a hot path runs the front and the route without express, with express's members", async () => {
    const res = await request(http).post("/hot").set("x-probe", "yes").send({ a: 1 });
    expect(res.status).toBe(201);
    expect(res.headers["x-seen"]).toBe("yes");
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.body).toEqual({ path: "/hot", ip: expect.stringMatching(/127\.0\.0\.1/), body: null });
    expect(seen).toEqual(["front hot", "route hot /hot"]);
  });

  test("any other spelling or method goes to express", async () => {
    for (const path of ["/hot?x=1", "/hot/", "/HOT"]) {
      seen.splice(0);
      expect((await request(http).post(path)).status).toBe(201);
      expect(seen).toEqual(["front express", "route express /hot"]);
    }
    seen.splice(0);
    await request(http).get("/hot");
    expect(seen).toEqual(["front express"]);
  });

  test("a rejected handler goes to the error handler, as in express", async () => {
    const hot = await request(http).post("/fails");
    const viaExpress = await request(http).post("/fails?x=1");
    expect([hot.status, hot.body]).toEqual([500, { error: "boom" }]);
    expect([viaExpress.status, viaExpress.body]).toEqual([hot.status, hot.body]);
  });
});

describe("on the real app, the hot path answers as express does", () => {
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    sut = await startLocksmith();
    api = new LocksmithApi(sut);
  });
  afterAll(() => sut.close());

  /** Headers whose values differ per request by design; the others must match exactly. */
  const PER_REQUEST = new Set(["x-request-id", "date", "content-length", "etag"]);
  const comparable = (res: Response) => ({
    status: res.status,
    headers: Object.fromEntries(Object.entries(res.headers).filter(([name]) => !PER_REQUEST.has(name))),
    body: shapeOf(res.body),
  });
  /** Error bodies compare whole; a success body by its fields and their types (jti, credential and times are new each time). */
  const shapeOf = (body: Record<string, unknown>) =>
    typeof body?.error === "string"
      ? body
      : Object.fromEntries(
          Object.entries(body ?? {}).map(([k, v]) => [k, ["scope", "resource", "token_type", "active", "audience"].includes(k) ? v : typeof v]),
        );

  type Send = (path: string) => Promise<Response>;
  const both = async (send: Send) => {
    const hot = await send("");
    const viaExpress = await send("?via=express");
    expect(comparable(hot)).toEqual(comparable(viaExpress));
    return hot;
  };
  const post =
    (route: string, caller: ExamplePrincipal | undefined, body: string | object, type = "application/json") =>
    async (query: string) => {
      const req = request(sut.locksmith.http).post(`${route}${query}`).set("content-type", type);
      if (caller) req.set(await api.headers(caller));
      return req.send(typeof body === "string" ? body : JSON.stringify(body));
    };
  const READ = { scope: "crm:read", resource: "crm:customers/42", ttl: 60 };

  test("issuance: a credential, a denial, a bad body, a bad type, no assertion, a bad ttl", async () => {
    expect((await both(post("/v1/credentials", "support-agent", READ))).status).toBe(201);
    expect((await both(post("/v1/credentials", "support-agent", { scope: "billing:refund", resource: "billing:invoices/1" }))).status).toBe(403);
    expect((await both(post("/v1/credentials", "support-agent", '{"scope": '))).status).toBe(400);
    expect((await both(post("/v1/credentials", "support-agent", '"a string"'))).status).toBe(400);
    expect((await both(post("/v1/credentials", "support-agent", { ...READ, extra: 1 }))).status).toBe(400);
    expect((await both(post("/v1/credentials", "support-agent", { ...READ, ttl: "forever" }))).status).toBe(400);
    expect((await both(post("/v1/credentials", "support-agent", READ, "text/plain"))).status).toBe(415);
    expect((await both(post("/v1/credentials", "support-agent", READ, "application/json; charset=utf-16"))).status).toBe(415);
    expect((await both(post("/v1/credentials", "support-agent", { ...READ, reason: "x".repeat(40_000) }))).status).toBe(413);
    expect((await both(post("/v1/credentials", undefined, READ))).status).toBe(401);
    expect((await both(post("/v1/credentials", "crm-prod", READ))).status).toBe(403);
  });

  test("a replayed assertion is refused the same way", async () => {
    const headers = await api.headers("support-agent");
    const send = (query: string) => request(sut.locksmith.http).post(`/v1/credentials${query}`).set(headers).send(READ);
    expect((await send("")).status).toBe(201);
    const hot = await send("");
    const viaExpress = await send("?via=express");
    expect(hot.status).toBe(401);
    expect(comparable(hot)).toEqual(comparable(viaExpress));
  });

  test("redemption: active, inactive, a bad body, the wrong caller", async () => {
    const issued = await api.issued("support-agent", READ);
    expect((await both(post("/v1/credentials/redeem", "crm-prod", { credential: issued.credential }))).body).toMatchObject({ active: true });
    expect((await both(post("/v1/credentials/redeem", "crm-prod", { credential: "not.a.token" }))).body).toEqual({ active: false });
    expect((await both(post("/v1/credentials/redeem", "crm-prod", { nope: 1 }))).status).toBe(400);
    expect((await both(post("/v1/credentials/redeem", "support-agent", { credential: issued.credential }))).status).toBe(403);
  });
});
