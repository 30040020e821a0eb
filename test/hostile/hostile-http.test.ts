import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import fc from "fast-check";
import request from "supertest";
import { answerClientErrors } from "../../src/http/client-errors";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// Hostile HTTP input: every bad request is a 4xx in the error shape, never a 5xx, never a credential.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
let server: Server;
let port: number;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
  server = createServer(sut.locksmith.http);
  answerClientErrors(server);
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((closed) => server.close(closed));
  await sut.close();
});

/** Sends raw bytes and returns everything the server answered before closing. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
    let answer = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => (answer += chunk));
    socket.on("close", () => resolve(answer)).on("error", reject);
  });
}

describe("the body", () => {
  test("JSON declared as UTF-16 is 415, although body-parser could decode it", async () => {
    const headers = await api.headers("support-agent");
    const body = Buffer.from(JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" }), "utf16le");
    const res = await request(sut.locksmith.http).post("/v1/credentials").set(headers).set("content-type", "application/json; charset=utf-16le").send(body);
    expectError(res, 415, "unsupported_media_type");
  });

  test("charset=utf-8 (any case) is accepted", async () => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json; charset=UTF-8")
      .send(JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" }));
    expect(res.status).toBe(201);
  });

  test("__proto__ and constructor members are unknown fields (400) and pollute nothing", async () => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json")
      .send('{"scope":"crm:read","resource":"crm:customers/42","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    expectError(res, 400, "invalid_request");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ["truncated JSON", '{"scope":"crm:read"'],
    ["a JSON string instead of an object", '"crm:read"'],
    ["an array", '[{"scope":"crm:read","resource":"crm:customers/42"}]'],
    ["NUL bytes", '{"scope":"crm:read\u0000","resource":"crm:customers/42"}'],
    ["a 1 MiB string", JSON.stringify({ scope: "crm:read", resource: "crm:customers/42", reason: "x".repeat(1 << 20) })],
  ])("%s → 4xx in the error shape", async (_name, body) => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json")
      .send(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectError(res, res.status, res.body.error);
  });
});

describe("HTTP Node refuses before express runs", () => {
  test("headers over Node's limit are 431 in the error shape, then the connection closes", async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({
      error: "invalid_request",
      error_description: "the request headers are too large",
    });
  });

  test("a 64 KiB bearer assertion is 431 in the error shape, not a 5xx", async () => {
    const answer = await raw(`POST /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"e".repeat(65_536)}\r\nContent-Length: 0\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
  });

  test("a malformed request line is 400 in the error shape", async () => {
    const answer = await raw("GARBAGE\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"error":"invalid_request"');
  });
});

describe("fuzzing (fast-check): never a 5xx, never a credential", () => {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const issueLike = fc.record(
    {
      scope: fc.oneof(fc.string(), fc.constant("crm:read"), fc.constant("crm:delete")),
      resource: fc.oneof(fc.string(), fc.constant("crm:customers/42")),
      ttl: fc.oneof(fc.string(), fc.integer(), fc.double()),
      reason: fc.string(),
      extra: anyJson,
    },
    { requiredKeys: [] },
  );
  const header = fc.string({ maxLength: 200 }).filter((value) => !/[\r\n\u0000]/.test(value) && /^[\x20-\x7e]*$/.test(value));

  const routes = [
    {
      name: "POST /v1/credentials",
      send: (body: unknown, authorization: string, type: string) =>
        request(sut.locksmith.http)
          .post("/v1/credentials")
          .set("authorization", authorization)
          .set("content-type", type)
          .send(typeof body === "string" ? body : JSON.stringify(body)),
    },
    {
      name: "POST /v1/credentials/redeem",
      send: (body: unknown, authorization: string, type: string) =>
        request(sut.locksmith.http)
          .post("/v1/credentials/redeem")
          .set("authorization", authorization)
          .set("content-type", type)
          .send(typeof body === "string" ? body : JSON.stringify(body)),
    },
  ];

  test.each(routes)("$name: random bodies, authorization headers and content types", async (route) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(issueLike, anyJson, fc.string()),
        fc.oneof(
          header,
          header.map((value) => `Bearer ${value}`),
          fc.constantFrom("Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJzdXBwb3J0LWFnZW50In0."),
        ),
        fc.constantFrom(
          "application/json",
          "text/plain",
          "application/json; charset=latin1",
          "application/x-www-form-urlencoded",
          "application/json; charset=utf-16",
        ),
        async (body, authorization, type) => {
          const res = await route.send(body, authorization, type);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toMatch(/"credential"/);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a genuine agent with random bodies: 201 only for well-formed requests, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(issueLike, async (body) => {
        const res = await api.issue("support-agent", body);
        expect(res.status).toBeLessThan(500);
        if (res.status === 201) expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(["resource", "scope"]));
      }),
      { numRuns: 100 },
    );
  });

  test("DELETE with random jti paths: never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (jti) => {
        const res = await request(sut.locksmith.http)
          .delete(`/v1/credentials/${encodeURIComponent(jti)}`)
          .set(await api.headers("support-agent"));
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});
