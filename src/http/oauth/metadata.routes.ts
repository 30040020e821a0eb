import { Router } from "express";
import { ASSERTION_ALGORITHMS } from "../../domain/identity/authenticate";
import { CLIENT_CREDENTIALS, TOKEN_EXCHANGE } from "./token.routes";

/**
 * GET /.well-known/oauth-authorization-server (RFC 8414): only what works.
 * There is no authorization endpoint (agents never send a browser), so
 * `response_types_supported` is empty; `issuer` is the configured issuer, the
 * `iss` of every token.
 */
export function metadataRoutes(issuer: string): Router {
  const router = Router();
  const authMethods = ["private_key_jwt"];
  const body = JSON.stringify({
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: [],
    grant_types_supported: [CLIENT_CREDENTIALS, TOKEN_EXCHANGE],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
  });
  router.get("/.well-known/oauth-authorization-server", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").type("application/json").send(body);
  });
  return router;
}
