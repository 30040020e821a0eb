import { Router, type RequestHandler } from "express";
import { credentialIdOf } from "../../domain/credentials/credential-id";
import type { CredentialServices } from "../../domain/credentials/credential-services";
import { redeemCredential } from "../../domain/credentials/redeem-credential";
import { revokeCredential } from "../../domain/credentials/revoke-credential";
import { invalidRequest, LocksmithError } from "../../domain/errors";
import type { Principal } from "../../domain/policy/policy";
import type { ClientAuthDeps } from "../middleware/authenticate-client";
import { callOf } from "../middleware/request-context";
import { formBody, formParams } from "./form-params";
import { authenticateOAuthClient } from "./oauth-client";

/**
 * POST /oauth/introspect (RFC 7662) for resource servers and POST /oauth/revoke
 * (RFC 7009) for the agent holding a token or an admin.
 */
export function introspectRevokeRoutes(services: CredentialServices, auth: ClientAuthDeps, limits: RequestHandler[] = []): Router {
  const router = Router();

  // Introspection is a redemption: the same checks, and one use is spent. Every
  // token that is not live for this caller (unknown, revoked, expired, for another
  // audience, garbage) is exactly {"active": false} (RFC 7662 §2.2).
  router.post("/oauth/introspect", ...formBody, authenticateOAuthClient(auth, "resource_server"), async (req, res) => {
    const params = formParams(req);
    if (params.token === undefined) throw invalidRequest("token is required");
    const outcome = await redeemCredential(services, res.locals.principal as Principal, { credential: params.token }, callOf(res));
    if (!outcome.active) {
      res.status(200).json({ active: false });
      return;
    }
    res.status(200).json({
      active: true,
      scope: outcome.scope,
      client_id: outcome.agent,
      token_type: "Bearer",
      exp: outcome.expiresAt,
      iat: outcome.issuedAt,
      sub: outcome.sub,
      aud: outcome.audience,
      iss: services.issuer,
      jti: outcome.jti,
      ...(outcome.act === undefined ? {} : { act: outcome.act }),
      resource: outcome.resource,
      env: outcome.env,
      uses_remaining: outcome.usesRemaining,
    });
  });

  // RFC 7009 §2.2: 200 whether the token was revoked, was already, or is unknown or invalid.
  router.post("/oauth/revoke", ...formBody, authenticateOAuthClient(auth, "agent", "admin"), ...limits, async (req, res) => {
    const params = formParams(req);
    if (params.token === undefined) throw invalidRequest("token is required");
    const jti = await credentialIdOf(params.token, services);
    if (jti !== undefined) {
      await revokeCredential(services, res.locals.principal as Principal, jti, callOf(res)).catch((error) => {
        // §2.1: a client may revoke only its own tokens; refused in OAuth's words.
        throw error instanceof LocksmithError && error.code === "permission_denied"
          ? new LocksmithError("unauthorized_client", "this token was issued to another client")
          : error;
      });
    }
    res.status(200).end();
  });

  return router;
}
