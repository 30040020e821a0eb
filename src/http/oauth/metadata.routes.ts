import { Router } from "express";
import { ASSERTION_ALGORITHMS } from "../../domain/identity/authenticate";
import { approvalsAudience } from "../../domain/identity/token-audience";
import type { Policy } from "../../domain/policy/policy";
import { AUTHORIZATION_CODE, REFRESH_TOKEN } from "./person-token.routes";
import { CLIENT_CREDENTIALS, TOKEN_EXCHANGE } from "./token.routes";

/**
 * GET /.well-known/oauth-authorization-server (RFC 8414): only what works. Machines use the token
 * endpoint with private_key_jwt; people are sent to the authorization endpoint by public clients
 * (code + PKCE S256, `none` at the token endpoint). `issuer` is the `iss` of every token and of
 * every authorization response (RFC 9207).
 */
export function metadataRoutes(issuer: string, policy: () => Policy): Router {
  const router = Router();
  const authMethods = ["private_key_jwt"];
  const fixed = {
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
  };
  router.get("/.well-known/oauth-authorization-server", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json({ ...fixed, ...approverSignIn(issuer, policy()) });
  });
  return router;
}

/**
 * A Locksmith extension: where `locksmith approvals` signs a person in (the device flow at an
 * identity provider whose bundle entry has `approver_sign_in`) and the audience the approvals API
 * expects of that sign-in. Public facts: an issuer URL and a public client id.
 */
function approverSignIn(issuer: string, policy: Policy): { approver_sign_in?: object[] } {
  const entries = [...(policy.identityProviders?.values() ?? [])].flatMap((idp) =>
    idp.approverSignIn
      ? [
          {
            issuer: idp.issuer,
            client_id: idp.approverSignIn.clientId,
            scopes: ["openid", ...idp.approverSignIn.scopes],
            audience: idp.approverAudience ?? approvalsAudience(issuer),
          },
        ]
      : [],
  );
  return entries.length > 0 ? { approver_sign_in: entries } : {};
}
