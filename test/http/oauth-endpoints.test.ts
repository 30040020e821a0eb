import { decodeJwt } from "jose";
import request from "supertest";
import { CI_SUBJECT } from "../support/delegation-policy";
import { startDelegationWorld, type DelegationWorld } from "../support/delegation-setup";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "../support/principals";

// The OAuth endpoints against the MUSTs of RFC 6749, 7009, 7523, 7662, 8414, 8693 and 8707.

let world: DelegationWorld;
let api: LocksmithApi;
beforeAll(async () => {
  world = await startDelegationWorld();
  api = new LocksmithApi(world.sut);
});
afterAll(() => world.close());

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const app = () => world.sut.locksmith.http;

async function clientAuth(id: ExamplePrincipal) {
  return { client_assertion_type: JWT_BEARER, client_assertion: await assertionFor(id, TEST_ISSUER) };
}
async function token(params: Record<string, string>, client: ExamplePrincipal = "support-agent") {
  return request(app())
    .post("/oauth/token")
    .type("form")
    .send({ ...(await clientAuth(client)), ...params });
}
const clientCredentials = { grant_type: "client_credentials", scope: "crm:read", resource: "crm:customers/42" };

describe("POST /oauth/token", () => {
  test("client_credentials with private_key_jwt answers RFC 6749 §5.1 with no-store, and the same token /v1 would give", async () => {
    const res = await token({ ...clientCredentials, expires_in: "60" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["pragma"]).toBe("no-cache");
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 60, scope: "crm:read" });
    expect(decodeJwt(res.body.access_token)).toMatchObject({
      iss: TEST_ISSUER,
      sub: "support-agent",
      client_id: "support-agent",
      aud: "https://crm.example.com",
    });
  });

  test("token exchange acts for the user: sub = user, act = agent, nested act kept, issued_token_type set", async () => {
    const subject = await world.corp.token("mary", { scope: "crm:read", act: { sub: "orchestrator" } });
    const res = await token({
      ...clientCredentials,
      grant_type: EXCHANGE,
      subject_token: subject,
      subject_token_type: JWT_TYPE,
      audience: "https://crm.example.com",
    });
    expect(res.status).toBe(200);
    expect(res.body.issued_token_type).toBe("urn:ietf:params:oauth:token-type:access_token");
    expect(decodeJwt(res.body.access_token)).toMatchObject({
      sub: "mary",
      client_id: "support-agent",
      act: { sub: "support-agent", act: { sub: "orchestrator" } },
    });
  });

  test("token exchange for a user without the scope is invalid_scope with reason user_lacks_scope", async () => {
    const john = await world.corp.token("john", { scope: "crm:note" });
    const res = await token({ ...clientCredentials, grant_type: EXCHANGE, subject_token: john, subject_token_type: JWT_TYPE });
    expectError(res, 400, "invalid_scope", { reason: "user_lacks_scope" });
  });

  test.each([
    ["no grant_type", { scope: "crm:read", resource: "crm:customers/42" }, 400, "invalid_request"],
    ["an unknown grant_type", { ...clientCredentials, grant_type: "password" }, 400, "unsupported_grant_type"],
    ["no resource", { grant_type: "client_credentials", scope: "crm:read" }, 400, "invalid_target"],
    ["a resource with a fragment", { ...clientCredentials, resource: "crm:customers/42#x" }, 400, "invalid_target"],
    ["a resource no server serves", { ...clientCredentials, resource: "hr:payroll/1" }, 400, "invalid_target"],
    ["an audience that is not the resource's", { ...clientCredentials, audience: "https://infra.example.com" }, 400, "invalid_target"],
    ["a scope the role lacks", { ...clientCredentials, scope: "crm:write" }, 400, "invalid_scope"],
    ["a requires_user scope without a user", { ...clientCredentials, scope: "crm:export" }, 400, "unauthorized_client"],
    ["expires_in that is not seconds", { ...clientCredentials, expires_in: "5m" }, 400, "invalid_request"],
    ["token exchange without subject_token", { ...clientCredentials, grant_type: EXCHANGE }, 400, "invalid_request"],
    [
      "token exchange with a garbage subject_token",
      { ...clientCredentials, grant_type: EXCHANGE, subject_token: "garbage", subject_token_type: JWT_TYPE },
      400,
      "invalid_request",
    ],
    [
      "an unsupported subject_token_type",
      { ...clientCredentials, grant_type: EXCHANGE, subject_token: "x.y.z", subject_token_type: "urn:x:saml" },
      400,
      "invalid_request",
    ],
    [
      "an unsupported requested_token_type",
      {
        ...clientCredentials,
        grant_type: EXCHANGE,
        subject_token: "x.y.z",
        subject_token_type: JWT_TYPE,
        requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token",
      },
      400,
      "invalid_request",
    ],
  ])("%s is %i %s", async (_name, params, status, code) => {
    expectError(await token(params as Record<string, string>), status, code);
  });

  test("without client authentication, or with a bad assertion type, is 401 invalid_client", async () => {
    expectError(await request(app()).post("/oauth/token").type("form").send(clientCredentials), 401, "invalid_client");
    const auth = await clientAuth("support-agent");
    expectError(
      await request(app())
        .post("/oauth/token")
        .type("form")
        .send({ ...clientCredentials, ...auth, client_assertion_type: "x" }),
      401,
      "invalid_client",
    );
  });

  test("a client_id that is not the authenticated client is invalid_client; a resource server is unauthorized_client", async () => {
    expectError(await token({ ...clientCredentials, client_id: "staging-deploy-agent" }), 401, "invalid_client");
    expectError(await token(clientCredentials, "crm-prod"), 400, "unauthorized_client");
  });

  test("a JSON body and a repeated parameter are invalid_request (RFC 6749 §3.2)", async () => {
    const auth = await clientAuth("support-agent");
    expectError(
      await request(app())
        .post("/oauth/token")
        .send({ ...clientCredentials, ...auth }),
      400,
      "invalid_request",
    );
    const form = new URLSearchParams({ ...clientCredentials, ...(await clientAuth("support-agent")) });
    form.append("scope", "crm:note");
    expectError(await request(app()).post("/oauth/token").type("form").send(form.toString()), 400, "invalid_request");
  });
});

describe("workload identity federation", () => {
  test("an agent with no key gets a token with its CI workload token as client_assertion", async () => {
    const workload = await world.ci.token(CI_SUBJECT, { repository_owner: "acme" }, TEST_ISSUER);
    const res = await request(app()).post("/oauth/token").type("form").send({
      grant_type: "client_credentials",
      scope: "infra:read",
      resource: "infra:staging/web",
      client_assertion_type: JWT_BEARER,
      client_assertion: workload,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: "ci-deployer", env: "staging" });
    const v1 = await request(app())
      .post("/v1/credentials")
      .set("authorization", `Bearer ${workload}`)
      .send({ scope: "infra:read", resource: "infra:staging/web" });
    expect(v1.status).toBe(201);
  });

  test.each([
    ["another subject", () => world.ci.token("repo:acme/app:ref:refs/heads/feature", { repository_owner: "acme" }, TEST_ISSUER)],
    ["a required claim missing", () => world.ci.token(CI_SUBJECT, {}, TEST_ISSUER)],
    ["another audience", () => world.ci.token(CI_SUBJECT, { repository_owner: "acme" }, "https://elsewhere.example.com")],
  ])("a workload token with %s is 401 invalid_client", async (_name, make) => {
    const res = await request(app())
      .post("/v1/credentials")
      .set("authorization", `Bearer ${await make()}`)
      .send({ scope: "infra:read", resource: "infra:staging/web" });
    expectError(res, 401, "invalid_client");
  });
});

async function introspect(tokenValue: string, server: ExamplePrincipal = "crm-prod") {
  return request(app())
    .post("/oauth/introspect")
    .type("form")
    .send({ token: tokenValue, ...(await clientAuth(server)) });
}

describe("POST /oauth/introspect", () => {
  test("answers an active token with RFC 7662 fields, and spends a use (introspection is a redemption)", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    const res = await introspect(issued.credential);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      active: true,
      scope: "crm:note",
      client_id: "support-agent",
      sub: "support-agent",
      iss: TEST_ISSUER,
      aud: "https://crm.example.com",
      token_type: "Bearer",
      jti: issued.jti,
      uses_remaining: 2,
    });
    expect(typeof res.body.exp).toBe("number");
    expect(typeof res.body.iat).toBe("number");
    expect((await api.ledger({ jti: issued.jti })).map((row) => row.type)).toContain("redeemed");
  });

  test("unknown, garbage, foreign-audience and revoked tokens are all exactly {active:false}", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const staging = await api.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" });
    await api.revoke("support-agent", issued.jti);
    for (const value of ["garbage", "a.b.c", staging.credential, issued.credential]) {
      const res = await introspect(value);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { active: false } });
    }
  });

  test("requires a token and an authenticated resource server", async () => {
    expectError(
      await request(app())
        .post("/oauth/introspect")
        .type("form")
        .send(await clientAuth("crm-prod")),
      400,
      "invalid_request",
    );
    expectError(await request(app()).post("/oauth/introspect").type("form").send({ token: "x" }), 401, "invalid_client");
    expectError(await introspect("x", "support-agent"), 400, "unauthorized_client");
  });
});

describe("POST /oauth/revoke", () => {
  test("revokes the holder's token (then inactive) and answers 200 for unknown and garbage tokens alike", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const res = await request(app())
      .post("/oauth/revoke")
      .type("form")
      .send({ token: issued.credential, token_type_hint: "access_token", ...(await clientAuth("support-agent")) });
    expect(res.status).toBe(200);
    expect((await introspect(issued.credential)).body).toEqual({ active: false });
    for (const value of ["garbage", issued.credential]) {
      expect(
        (
          await request(app())
            .post("/oauth/revoke")
            .type("form")
            .send({ token: value, ...(await clientAuth("support-agent")) })
        ).status,
      ).toBe(200);
    }
  });

  test("refuses another client's token with unauthorized_client, and the token stays live", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const res = await request(app())
      .post("/oauth/revoke")
      .type("form")
      .send({ token: issued.credential, ...(await clientAuth("staging-deploy-agent")) });
    expectError(res, 400, "unauthorized_client");
    expect((await introspect(issued.credential)).body.active).toBe(true);
  });
});

describe("POST /v1/revocations (kill switch)", () => {
  test("an admin revokes every live credential of a user at once, effective for introspection and redemption", async () => {
    const mary = await world.corp.token("mary-ks", { scope: "crm:read crm:note" });
    const a = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/1", on_behalf_of: mary });
    const b = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/1/notes", on_behalf_of: mary });
    const own = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/1" });

    const res = await request(app())
      .post("/v1/revocations")
      .set(await api.headers("security-oncall"))
      .send({ user: "mary-ks" });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { revoked: 2 } });
    expect((await introspect(a.credential)).body).toEqual({ active: false });
    expect((await api.redeem("crm-prod", { credential: b.credential })).body).toEqual({ active: false });
    expect((await introspect(own.credential)).body.active).toBe(true);
    expect(await api.rowOf(res)).toMatchObject({ type: "revoked", user: "mary-ks", actor: "security-oncall", reason: "revoke_user" });
  });

  test("revokes by agent and by environment; an agent may not call it; exactly one subject is required", async () => {
    const staging = await api.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" });
    const send = async (caller: ExamplePrincipal, body: object) =>
      request(app())
        .post("/v1/revocations")
        .set(await api.headers(caller))
        .send(body);
    expect((await send("security-oncall", { environment: "staging" })).body.revoked).toBeGreaterThanOrEqual(1);
    expect((await api.redeem("crm-staging", { credential: staging.credential })).body).toEqual({ active: false });
    expect((await send("security-oncall", { agent: "staging-deploy-agent" })).status).toBe(200);
    expectError(await send("support-agent", { agent: "support-agent" }), 403, "permission_denied");
    expectError(await send("security-oncall", { agent: "a", user: "b" }), 400, "invalid_request");
  });
});

describe("GET /.well-known/oauth-authorization-server", () => {
  test("lists only what works, with issuer identical to the tokens' iss (RFC 8414), and what an MCP client needs to send a person", async () => {
    const res = await request(app()).get("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      issuer: TEST_ISSUER,
      token_endpoint: `${TEST_ISSUER}/oauth/token`,
      introspection_endpoint: `${TEST_ISSUER}/oauth/introspect`,
      revocation_endpoint: `${TEST_ISSUER}/oauth/revoke`,
      jwks_uri: `${TEST_ISSUER}/.well-known/jwks.json`,
      authorization_endpoint: `${TEST_ISSUER}/oauth/authorize`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", EXCHANGE],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      token_endpoint_auth_methods_supported: ["private_key_jwt", "none"],
      token_endpoint_auth_signing_alg_values_supported: ["EdDSA", "Ed25519", "ES256"],
      introspection_endpoint_auth_methods_supported: ["private_key_jwt"],
      introspection_endpoint_auth_signing_alg_values_supported: ["EdDSA", "Ed25519", "ES256"],
      revocation_endpoint_auth_methods_supported: ["private_key_jwt"],
      revocation_endpoint_auth_signing_alg_values_supported: ["EdDSA", "Ed25519", "ES256"],
    });
  });
});
