import type { AddressInfo, Server } from "node:net";
import request from "supertest";
import { JWT_BEARER_ASSERTION } from "../../src/http/oauth/oauth-client";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "../support/principals";

// Review of the hot path (issuance and redemption served in front of express, signatures verified on
// the thread pool, Locksmith's own tokens verified without jose): what a hostile caller found.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const clientAuth = async (id: ExamplePrincipal) => ({ client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertionFor(id, TEST_ISSUER) });

describe("a JOSE header whose typ is an object with no usable toString (String() of it throws)", () => {
  // JSON.parse makes "toString" an own member; String(header.typ) then throws a TypeError before any signature work.
  const token = (claims: Record<string, unknown>) => `${b64({ alg: "EdDSA", kid: "k", typ: { toString: 0 } })}.${b64(claims)}.${"A".repeat(86)}`;
  const forged = token({ iss: "support-agent", sub: "support-agent", aud: TEST_ISSUER, jti: "j", iat: 1, exp: 2, env: "production" });

  test("as an assertion: 401 invalid_client, not a 500", async () => {
    const res = await request(sut.locksmith.http)
      .post("/v1/credentials")
      .set("authorization", `Bearer ${forged}`)
      .send({ scope: "crm:read", resource: "crm:customers/42" });
    expectError(res, 401, "invalid_client");
  });

  test("as a credential at redemption: {active:false}, not a 500", async () => {
    const res = await api.redeem("crm-prod", { credential: forged });
    expect([res.status, res.body]).toEqual([200, { active: false }]);
  });

  test("as the token of /oauth/revoke: 200 (RFC 7009 §2.2), not a 500", async () => {
    const res = await request(sut.locksmith.http)
      .post("/oauth/revoke")
      .type("form")
      .send({ token: forged, ...(await clientAuth("support-agent")) });
    expect(res.status).toBe(200);
  });

  test("as the token of /oauth/introspect: {active:false}, not a 500", async () => {
    const res = await request(sut.locksmith.http)
      .post("/oauth/introspect")
      .type("form")
      .send({ token: forged, ...(await clientAuth("crm-prod")) });
    expect([res.status, res.body]).toEqual([200, { active: false }]);
  });
});

describe("the body's charset", () => {
  // requireUtf8 read the first "charset=" in the header's text; body-parser reads the header's parameters
  // (content-type): a quoted parameter value containing "charset=utf-8" made the two disagree, and a
  // UTF-16 body was read. Sent with fetch: superagent re-encodes a Buffer body when the type names a charset.
  let server: Server;
  beforeAll(async () => {
    server = sut.locksmith.http.listen(0, "127.0.0.1");
    await new Promise((listening) => server.once("listening", listening));
  });
  afterAll(() => new Promise((closed) => server.close(closed)));

  test.each([
    ["a quoted parameter value holding charset=utf-8, then charset=utf-16le", 'application/json; foo="a;charset=utf-8"; charset=utf-16le'],
    ["charset=utf-16le", "application/json; charset=utf-16le"],
  ])("%s: 415, the UTF-16 body is not read (hot path and express)", async (_name, type) => {
    const body = Buffer.from(JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" }), "utf16le");
    const { port } = server.address() as AddressInfo;
    for (const path of ["/v1/credentials", "/v1/credentials?via=express"]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: { ...(await api.headers("support-agent")), "content-type": type },
        body,
      });
      expect([res.status, await res.json()]).toEqual([415, { error: "unsupported_media_type", error_description: expect.any(String) }]);
    }
  });
});
