import { databaseLoginBody } from "../database-login";
import { Router, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { parseDuration } from "../../domain/duration";
import { invalidRequest, LocksmithError } from "../../domain/errors";
import type { CredentialServices } from "../../domain/credentials/credential-services";
import { issueCredential } from "../../domain/credentials/issue-credential";
import { redeemCredential } from "../../domain/credentials/redeem-credential";
import { revokeCredential } from "../../domain/credentials/revoke-credential";
import type { Principal } from "../../domain/policy/policy";
import { authenticateClient, deferCallerChecks, withCallerChecks, type ClientAuthDeps } from "../middleware/authenticate-client";
import { callOf } from "../middleware/request-context";
import { requireJson } from "../middleware/require-json";
import { ledgerText, parseBody, resource, scopeList } from "../validation";
import type { HotRoute } from "../hot-routes";

const MAX_TTL_REQUEST_SECONDS = 86_400;

export const issueBody = z
  .object({
    scope: scopeList,
    resource,
    ttl: z.union([z.number(), z.string().max(16)]).optional(),
    on_behalf_of: z.string().max(16_384).optional(),
    reason: ledgerText(512).optional(),
  })
  .strict();

export const redeemBody = z.object({ credential: z.string().min(1).max(8192), scope: scopeList.optional(), resource: resource.optional() }).strict();

export const JTI = /^[A-Za-z0-9._~-]{1,128}$/;

/** POST /v1/credentials, POST /v1/credentials/redeem, DELETE /v1/credentials/{jti}. */
export function credentialsRoutes(
  services: CredentialServices,
  auth: ClientAuthDeps,
  limits: RequestHandler[],
  /** `credentialsHotRoutes(services, auth, limits)`, the instances the hot-route dispatch serves too. */
  hotRoutes: readonly HotRoute[],
): Router {
  const router = Router();
  for (const route of hotRoutes) router.post(route.path, ...route.handlers);

  router.delete("/v1/credentials/:jti", authenticateClient(auth, "agent", "admin"), ...limits, async (req, res) => {
    const jti = String(req.params.jti);
    if (!JTI.test(jti)) throw invalidRequest("jti is not a credential id");
    await revokeCredential(services, principal(res), jti, callOf(res));
    res.status(204).end();
  });

  return router;
}

/**
 * POST /v1/credentials and POST /v1/credentials/redeem: the routes every agent call and every
 * resource-server check go through. The router above serves them, and so does the hot-route
 * dispatcher in front of express (hot-routes.ts), with these same handlers.
 */
export function credentialsHotRoutes(services: CredentialServices, auth: ClientAuthDeps, limits: RequestHandler[] = []): HotRoute[] {
  // The replay marker and rate limits are made with the use case's one store call (RequestGate).
  const hot = deferCallerChecks(services.gate);
  const issue: RequestHandler[] = [
    requireJson,
    hot,
    authenticateClient(auth, "agent"),
    ...limits,
    withCallerChecks(async (req, res) => {
      const body = parseBody(issueBody, req.body);
      const ttl = body.ttl === undefined ? undefined : parseDuration(body.ttl);
      if (body.ttl !== undefined && (ttl === undefined || ttl > MAX_TTL_REQUEST_SECONDS)) {
        throw invalidRequest('ttl must be a whole number of seconds or "30s" / "5m" / "1h", at most 24h');
      }
      const outcome = await issueCredential(
        services,
        principal(res),
        { scopes: body.scope, resource: body.resource, ttl, purpose: body.reason, onBehalfOf: body.on_behalf_of },
        callOf(res),
      );
      switch (outcome.kind) {
        case "denied":
          throw new LocksmithError("permission_denied", outcome.description, { reason: outcome.reason, ...(outcome.rule ? { rule: outcome.rule } : {}) });
        case "pending_approval":
          res.status(202).json({ request_id: outcome.requestId, status: "pending_approval" });
          return;
        case "issued":
          res
            .set("Pragma", "no-cache")
            .status(201)
            .json({
              credential: outcome.credential,
              token_type: "Bearer",
              jti: outcome.jti,
              scope: outcome.scope,
              resource: outcome.resource,
              audience: outcome.audience,
              expires_at: new Date(outcome.expiresAt * 1000).toISOString(),
              expires_in: outcome.expiresIn,
              ...(outcome.maxUses === undefined ? {} : { max_uses: outcome.maxUses }),
              // A database upstream's login, made for this credential alone and dropped with it.
              ...databaseLoginBody(outcome.upstream),
            });
      }
    }),
  ];

  const redeem: RequestHandler[] = [
    requireJson,
    hot,
    authenticateClient(auth, "resource_server"),
    withCallerChecks(async (req, res) => {
      const body = parseBody(redeemBody, req.body);
      const outcome = await redeemCredential(
        services,
        principal(res),
        { credential: body.credential, scopes: body.scope, resource: body.resource },
        callOf(res),
      );
      if (!outcome.active) {
        res.status(200).json({ active: false });
        return;
      }
      res.status(200).json({
        active: true,
        jti: outcome.jti,
        sub: outcome.sub,
        agent: outcome.agent,
        ...(outcome.user === undefined ? {} : { user: outcome.user }),
        scope: outcome.scope,
        resource: outcome.resource,
        env: outcome.env,
        uses_remaining: outcome.usesRemaining,
        expires_at: new Date(outcome.expiresAt * 1000).toISOString(),
      });
    }),
  ];

  return [
    { path: "/v1/credentials", handlers: issue },
    { path: "/v1/credentials/redeem", handlers: redeem },
  ];
}

const principal = (res: Response) => res.locals.principal as Principal;
