import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { auth } from "express-oauth2-jwt-bearer";
import { importJWK, type CryptoKey } from "jose";
import * as client from "openid-client";
import request from "supertest";
import { startDelegationWorld, type DelegationWorld } from "../support/delegation-setup";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { exampleKey } from "../support/principals";

// Interop: openid-client (a standard OAuth client) obtains tokens with private_key_jwt and token
// exchange, and express-oauth2-jwt-bearer (a standard RFC 9068 resource-server middleware)
// accepts them, with no Locksmith-specific code on either side.

const CRM = "https://crm.example.com";
let world: DelegationWorld;
let server: Server;
let base: string;
let config: client.Configuration;
let resourceServer: express.Express;
let toLoopback: client.CustomFetch;

beforeAll(async () => {
  world = await startDelegationWorld();
  server = world.sut.locksmith.http.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Locksmith's issuer is https://locksmith.test; route it to the loopback server, nothing else changes.
  toLoopback = (url, options) => fetch(url.replace(TEST_ISSUER, base), options as RequestInit);
  const key = exampleKey("support-agent");
  const privateKey = (await importJWK(key, "EdDSA")) as CryptoKey;
  config = await client.discovery(new URL(TEST_ISSUER), "support-agent", {}, client.PrivateKeyJwt({ key: privateKey, kid: key.kid }), {
    algorithm: "oauth2",
    [client.customFetch]: toLoopback,
    execute: [client.allowInsecureRequests],
  });
  config[client.customFetch] = toLoopback;

  resourceServer = express();
  resourceServer.use(auth({ issuer: TEST_ISSUER, audience: CRM, jwksUri: `${base}/.well-known/jwks.json`, tokenSigningAlg: "EdDSA", strict: true }));
  resourceServer.get("/customers/42", (req, res) => void res.json({ sub: req.auth?.payload.sub, act: req.auth?.payload.act ?? null }));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await world?.close();
});

describe("openid-client → Locksmith → express-oauth2-jwt-bearer", () => {
  test("discovers the metadata: issuer and token endpoint as configured", () => {
    expect(config.serverMetadata().issuer).toBe(TEST_ISSUER);
    expect(config.serverMetadata().token_endpoint).toBe(`${TEST_ISSUER}/oauth/token`);
  });

  test("client_credentials with private_key_jwt yields a token the stock middleware accepts", async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: "crm:read", resource: "crm:customers/42" });
    expect(tokens.token_type).toBe("bearer");
    const res = await request(resourceServer).get("/customers/42").set("authorization", `Bearer ${tokens.access_token}`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { sub: "support-agent", act: null } });
  });

  test("token exchange for a user yields a delegated token (sub = user, act = agent) the middleware accepts", async () => {
    const subject = await world.corp.token("mary", { scope: "crm:read" });
    const tokens = await client.genericGrantRequest(config, "urn:ietf:params:oauth:grant-type:token-exchange", {
      subject_token: subject,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      scope: "crm:read",
      resource: "crm:customers/42",
    });
    const res = await request(resourceServer).get("/customers/42").set("authorization", `Bearer ${tokens.access_token}`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { sub: "mary", act: { sub: "support-agent" } } });
  });

  test("the middleware rejects a Locksmith token minted for another audience", async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: "crm:read", resource: "crm:customers/42" });
    const elsewhere = express();
    elsewhere.use(
      auth({ issuer: TEST_ISSUER, audience: "https://infra.example.com", jwksUri: `${base}/.well-known/jwks.json`, tokenSigningAlg: "EdDSA", strict: true }),
    );
    elsewhere.get("/x", (_req, res) => void res.json({}));
    elsewhere.use(((error, _req, res, _next) => void res.status(error.status ?? 500).json({ error: error.code })) as express.ErrorRequestHandler);
    const res = await request(elsewhere).get("/x").set("authorization", `Bearer ${tokens.access_token}`);
    expect(res.status).toBe(401);
  });

  test("introspection and revocation through openid-client", async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: "crm:read", resource: "crm:customers/42" });
    const rsKey = exampleKey("crm-prod");
    const rsConfig = new client.Configuration(
      config.serverMetadata(),
      "crm-prod",
      {},
      client.PrivateKeyJwt({ key: (await importJWK(rsKey, "EdDSA")) as CryptoKey, kid: rsKey.kid }),
    );
    rsConfig[client.customFetch] = toLoopback;
    client.allowInsecureRequests(rsConfig);
    expect(await client.tokenIntrospection(rsConfig, tokens.access_token)).toMatchObject({ active: true, sub: "support-agent", client_id: "support-agent" });
    await client.tokenRevocation(config, tokens.access_token);
    expect(await client.tokenIntrospection(rsConfig, tokens.access_token)).toEqual({ active: false });
  });
});
