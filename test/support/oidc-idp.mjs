// The company's identity provider for tests: a stock node-oidc-provider (ESM-only, hence plain JS in
// its own process) with its development login and consent pages, driven by a real browser.
// Usage: node oidc-idp.mjs <config.json>; prints "listening" once it serves.
// config: { issuer, port, clients: [{ client_id, client_secret, redirect_uris, grant_types? }], accounts: { <sub>: { <claims> } },
//          scopes?: [more scopes], rotateRefreshTokens?: boolean,
//          api?: { resource, scope }: as an OAuth upstream, its access tokens are JWTs for that API (resource indicators),
//          deviceFlow?: boolean: the device authorization grant (RFC 8628), for `locksmith approvals` }
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
    ...client,
  })),
  // Any login a test types is an account; its claims come from the config (none: a person with no entitlement).
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...(config.accounts[id] ?? {}) }) }),
  claims: { openid: ["sub"], entitlements: ["entitlements"], groups: ["groups"] },
  scopes: ["openid", "entitlements", "groups", ...(config.scopes ?? [])],
  ...(config.rotateRefreshTokens ? { rotateRefreshToken: true } : {}),
  // The entitlements ride in the ID token, which is what Locksmith reads (as for user tokens).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ["test-only-cookie-key"] },
  features: {
    devInteractions: { enabled: true },
    ...(config.deviceFlow ? { deviceFlow: { enabled: true } } : {}),
    ...(config.api
      ? {
          resourceIndicators: {
            enabled: true,
            defaultResource: () => config.api.resource,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({ scope: config.api.scope, audience: config.api.resource, accessTokenFormat: "jwt", accessTokenTTL: 300 }),
          },
        }
      : {}),
  },
});
const server = provider.listen(config.port, "127.0.0.1", () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
