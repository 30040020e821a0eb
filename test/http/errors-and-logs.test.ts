import request from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi, requestIdOf, sleep, type Response } from "../support/locksmith-api";
import { assertionFor } from "../support/principals";

// The error shape on every path, and logs that trace each request without ever holding a secret.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

type LogRecord = Record<string, unknown>;

const logRecords = (): LogRecord[] =>
  sut.logs
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogRecord);

/** The request log line is written when the answer finishes, which may be a moment after the client has it. */
async function requestLogOf(res: Response): Promise<LogRecord> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = logRecords().find((record) => record.msg === "request" && record.req_id === requestIdOf(res));
    if (line) return line;
    await sleep(10);
  }
  throw new Error(`no request log line for ${requestIdOf(res)}`);
}

describe("unknown routes", () => {
  test.each([
    ["GET", "/nope"],
    ["GET", "/v1/credentials"],
    ["PUT", "/v1/credentials/abc"],
    ["POST", "/v2/credentials"],
    ["GET", "/.well-known/openid-configuration"],
  ])("%s %s is 404 not_found in the error shape", async (method, path) => {
    const res = await request(sut.locksmith.http)[method.toLowerCase() as "get" | "put" | "post"](path);

    expectError(res, 404, "not_found");
  });
});

describe("every answer", () => {
  test("carries a request id, no-store and nosniff, errors included", async () => {
    const answers = [
      await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" }),
      await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" }),
      await request(sut.locksmith.http).post("/v1/credentials").send({}),
      await request(sut.locksmith.http).get("/nope"),
    ];
    for (const res of answers) {
      expect(res.headers["x-request-id"]).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-powered-by"]).toBeUndefined();
    }
  });

  test("echoes a sane X-Request-Id and replaces an unsafe one", async () => {
    const sane = await request(sut.locksmith.http).get("/healthz").set("x-request-id", "trace-42.a_b");
    const unsafe = await request(sut.locksmith.http).get("/healthz").set("x-request-id", "bad id\twith <html>");
    const long = await request(sut.locksmith.http).get("/healthz").set("x-request-id", "x".repeat(65));

    expect(sane.headers["x-request-id"]).toBe("trace-42.a_b");
    expect(unsafe.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(long.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("an error of every 4xx kind has exactly the error shape", async () => {
    const agent = await api.headers("support-agent");
    const errors: [Response, number, string][] = [
      [await request(sut.locksmith.http).post("/v1/credentials").set(agent).send({ scope: "crm:*", resource: "crm:customers/1" }), 400, "invalid_request"],
      [await request(sut.locksmith.http).post("/v1/credentials").set("content-type", "application/json").send("{"), 400, "invalid_request"],
      [await request(sut.locksmith.http).post("/v1/credentials").send({ scope: "crm:read", resource: "crm:customers/1" }), 401, "invalid_client"],
      [await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/1" }), 403, "permission_denied"],
      [await api.redeem("support-agent", { credential: "x" }), 403, "permission_denied"],
      [await request(sut.locksmith.http).get("/v1/nothing"), 404, "not_found"],
      [
        await request(sut.locksmith.http)
          .post("/v1/credentials/redeem")
          .set("content-type", "application/json")
          .send(JSON.stringify({ credential: "x".repeat(33_000) })),
        413,
        "payload_too_large",
      ],
      [await request(sut.locksmith.http).post("/v1/credentials/redeem").set("content-type", "text/plain").send("x"), 415, "unsupported_media_type"],
    ];
    for (const [res, status, code] of errors) expectError(res, status, code);
  });
});

describe("logs", () => {
  test("after issuing, redeeming and revoking, no log line holds a credential or an assertion", async () => {
    const read = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", reason: "ticket 4711" });
    const note = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    const deploy = await api.issued("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" });
    await api.redeem("crm-prod", { credential: read.credential, scope: "crm:read" });
    await api.redeem("crm-prod", { credential: note.credential });
    await api.redeem("crm-staging", { credential: read.credential });
    await api.redeem("infra-staging", { credential: deploy.credential });
    await api.revoke("support-agent", read.jti);
    await api.revoke("security-oncall", note.jti);
    await api.redeem("crm-prod", { credential: read.credential });
    await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
    await api.issue("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:production/db" });
    const replayed = await assertionFor("support-agent", TEST_ISSUER);
    for (let i = 0; i < 2; i++) {
      await request(sut.locksmith.http)
        .post("/v1/credentials")
        .set("authorization", `Bearer ${replayed}`)
        .send({ scope: "crm:read", resource: "crm:customers/1" });
    }
    const foreign = await assertionFor("support-agent", "https://elsewhere.example.com");
    await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set("authorization", `Bearer ${foreign}`)
      .send({ scope: "crm:read", resource: "crm:customers/1" });
    const last = await api.redeem("crm-prod", { credential: `${deploy.credential}x` });
    await requestLogOf(last);

    const secrets = [...api.secrets, replayed, foreign];
    expect(secrets.length).toBeGreaterThan(20);
    const everything = sut.logs.join("");
    for (const secret of secrets) {
      const [, payload, signature] = secret.split(".");
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(payload);
      expect(everything).not.toContain(signature);
    }
  });

  test("each request writes one line with its req_id, method, path, status and caller, and never its headers or body", async () => {
    const issued = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const denied = await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
    const anonymous = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set("x-request-id", "anonymous-call-1")
      .send({ scope: "crm:read", resource: "crm:customers/42" });
    const revoked = await api.revoke("support-agent", issued.body.jti);

    const expected: [Response, string, string, number, string | undefined][] = [
      [issued, "POST", "/v1/credentials", 201, "support-agent"],
      [denied, "POST", "/v1/credentials", 403, "support-agent"],
      [anonymous, "POST", "/v1/credentials", 401, undefined],
      [revoked, "DELETE", `/v1/credentials/${issued.body.jti}`, 204, "support-agent"],
    ];
    for (const [res, method, path, status, principal] of expected) {
      const line = await requestLogOf(res);
      expect(line).toMatchObject({ req_id: requestIdOf(res), method, path, status });
      expect(line.principal).toBe(principal);
      expect(logRecords().filter((record) => record.msg === "request" && record.req_id === requestIdOf(res))).toHaveLength(1);
      for (const field of ["headers", "body", "authorization", "credential"]) expect(line).not.toHaveProperty(field);
    }
  });

  test("every request line in the log has a req_id", async () => {
    await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const last = await request(sut.locksmith.http).get("/nope");
    await requestLogOf(last);

    const requestLines = logRecords().filter((record) => record.msg === "request");
    expect(requestLines.length).toBeGreaterThan(1);
    for (const line of requestLines) expect(line.req_id).toEqual(expect.any(String));
  });
});
