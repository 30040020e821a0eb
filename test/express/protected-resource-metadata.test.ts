import express from "express";
import request from "supertest";
import { LocksmithResourceServer, protectedResourceMetadata } from "@locksmith/express";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { exampleKey } from "../support/principals";

describe("protectedResourceMetadata (RFC 9728)", () => {
  const metadata = protectedResourceMetadata({ resource: "https://crm.example.com/mcp", authorizationServer: TEST_ISSUER, scopesSupported: ["crm:read"] });
  const server = new LocksmithResourceServer({
    url: "http://127.0.0.1:9",
    issuer: TEST_ISSUER,
    id: "crm-prod",
    key: exampleKey("crm-prod"),
    audience: "https://crm.example.com/mcp",
    resourceMetadata: metadata.url,
  });
  const app = express();
  app.use(metadata.router);
  app.post("/mcp", server.requireCredential({ scope: "crm:read", resource: () => "crm:customers/42" }), (_req, res) => void res.end());

  test("serves the metadata at the well-known path with the resource's path appended, naming Locksmith", async () => {
    expect(metadata.url).toBe("https://crm.example.com/.well-known/oauth-protected-resource/mcp");
    const res = await request(app).get("/.well-known/oauth-protected-resource/mcp");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      resource: "https://crm.example.com/mcp",
      authorization_servers: [TEST_ISSUER],
      scopes_supported: ["crm:read"],
      bearer_methods_supported: ["header"],
    });
  });

  test("names the metadata in the WWW-Authenticate of a 401, so MCP clients find the authorization server", async () => {
    const res = await request(app).post("/mcp");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toContain(`resource_metadata="${metadata.url}"`);
  });
});
