// The peer: a stock node-oidc-provider (ESM-only, hence plain JS in its own process)
// issuing EdDSA JWT access tokens through client_credentials + private_key_jwt for
// the same clients as Locksmith's bundle. Default in-memory adapter, no audit.
// Usage: node oidc-peer.mjs <config.json>   (PORT from the environment)
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    client_id: client.id,
    token_endpoint_auth_method: "private_key_jwt",
    token_endpoint_auth_signing_alg: "EdDSA",
    jwks: { keys: [client.jwk] },
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    scope: client.scope,
    id_token_signed_response_alg: "EdDSA",
  })),
  jwks: { keys: [config.signingJwk] },
  scopes: config.scopes,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        const scope = config.resources[resource];
        if (!scope) throw new Provider.errors.InvalidTarget();
        return { scope, audience: resource, accessTokenTTL: 300, accessTokenFormat: "jwt", jwt: { sign: { alg: "EdDSA" } } };
      },
    },
  },
});
provider.proxy = true;
const server = provider.listen(Number(process.env.PORT), "127.0.0.1");
server.keepAliveTimeout = 65_000;
process.on("SIGTERM", () => server.close(() => process.exit(0)));
