import { Router } from "express";
import { ASSERTION_ALGORITHMS } from "../../domain/identity/authenticate";
import { AUTHORIZATION_CODE, REFRESH_TOKEN } from "./person-token.routes";
import { CLIENT_CREDENTIALS, TOKEN_EXCHANGE } from "./token.routes";

/**
 * GET /.well-known/oauth-authorization-server (RFC 8414): only what works. Machines use the token
 * endpoint with private_key_jwt; people are sent to the authorization endpoint by public clients
 * (code + PKCE S256, `none` at the token endpoint). `issuer` is the `iss` of every token and of
 * every authorization response (RFC 9207).
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
    authorization_endpoint: `${issuer}/oauth/authorize`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: [AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS, TOKEN_EXCHANGE],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
    token_endpoint_auth_methods_supported: [...authMethods, "none"],
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
