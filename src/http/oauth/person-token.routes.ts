import { Router } from "express";
import type { AuthorizationServices } from "../../domain/oauth/authorization-services";
import type { PersonTokens } from "../../domain/oauth/issue-for-grant";
import { redeemAuthorizationCode } from "../../domain/oauth/redeem-authorization-code";
import { refreshAccessToken } from "../../domain/oauth/refresh-access-token";
import { invalidClient } from "../../domain/errors";
import { callOf } from "../middleware/request-context";
import { formBody, formParams } from "./form-params";

export const AUTHORIZATION_CODE = "authorization_code";
export const REFRESH_TOKEN = "refresh_token";

/**
 * POST /oauth/token for the grants of a person's consent: `authorization_code` and `refresh_token`
 * (OAuth 2.1 §4.1.3, §4.3), for public clients (`token_endpoint_auth_method: none`, PKCE proves the
 * code's holder). Every other grant type falls through to the machine grants of token.routes.ts.
 */
export function personTokenRoutes(services: AuthorizationServices): Router {
  const router = Router();
  router.post("/oauth/token", ...formBody, async (req, res, next) => {
    const params = formParams(req);
    if (params.grant_type !== AUTHORIZATION_CODE && params.grant_type !== REFRESH_TOKEN) return next();
    if (params.client_assertion !== undefined || req.get("authorization"))
      throw invalidClient("this client is public: send client_id only (token_endpoint_auth_method none)");
    const clientId = params.client_id;
    const agent = clientId === undefined ? undefined : services.policy.current().agents.get(clientId);
    if (!agent?.client) throw invalidClient("client_id must name a public client of the policy");
    const call = callOf(res);
    const tokens =
      params.grant_type === AUTHORIZATION_CODE
        ? await redeemAuthorizationCode(
            services,
            { code: params.code, clientId: agent.id, redirectUri: params.redirect_uri, codeVerifier: params.code_verifier, resource: params.resource },
            call,
          )
        : await refreshAccessToken(
            services,
            { refreshToken: params.refresh_token, clientId: agent.id, scopes: params.scope?.split(" ").filter(Boolean), resource: params.resource },
            call,
          );
    send(res, tokens);
  });
  return router;
}

function send(res: import("express").Response, tokens: PersonTokens): void {
  res.set("Pragma", "no-cache").status(200).json({
    access_token: tokens.accessToken,
    token_type: "Bearer",
    expires_in: tokens.expiresIn,
    scope: tokens.scope,
    refresh_token: tokens.refreshToken,
  });
}
