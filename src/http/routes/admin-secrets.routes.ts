import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { invalidRequest } from "../../domain/errors";
import type { Principal } from "../../domain/policy/policy";
import type { SecretMetadata } from "../../domain/secrets/secret-store";
import { MAX_SECRET_BYTES, type SecretVault } from "../../domain/secrets/secret-vault";
import { callOf } from "../middleware/request-context";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { requireJson } from "../middleware/require-json";
import { parseBody } from "../validation";

export const UPSTREAM = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const valueBody = z.object({ value: z.string().min(1).max(MAX_SECRET_BYTES) }).strict();

/**
 * Admins only, the platform team's hands on upstream secrets:
 * `PUT /v1/admin/secrets/{upstream}` `{value}` (201, 409 if one exists),
 * `POST /v1/admin/secrets/{upstream}/rotate` `{value}` (200, 404 if none),
 * `DELETE /v1/admin/secrets/{upstream}` (204, idempotent), `GET /v1/admin/secrets`.
 * Answers carry metadata only: a value goes in and never comes out.
 */
export function adminSecretsRoutes(vault: SecretVault, auth: ClientAuthDeps): Router {
  const router = Router();
  const admin = authenticateClient(auth, "admin");

  router.get("/v1/admin/secrets", admin, async (_req, res) => {
    res.status(200).json({ secrets: (await vault.list()).map(describe) });
  });
  router.put("/v1/admin/secrets/:upstream", requireJson, admin, async (req, res) => {
    const { value } = parseBody(valueBody, req.body);
    res.status(201).json(describe(await vault.put({ upstream: upstreamOf(req), actor: principal(res).id }, Buffer.from(value, "utf8"), callOf(res))));
  });
  router.post("/v1/admin/secrets/:upstream/rotate", requireJson, admin, async (req, res) => {
    const { value } = parseBody(valueBody, req.body);
    res.status(200).json(describe(await vault.rotate({ upstream: upstreamOf(req), actor: principal(res).id }, Buffer.from(value, "utf8"), callOf(res))));
  });
  router.delete("/v1/admin/secrets/:upstream", admin, async (req, res) => {
    await vault.delete({ upstream: upstreamOf(req), actor: principal(res).id }, callOf(res));
    res.status(204).end();
  });
  return router;
}

function upstreamOf(req: Request): string {
  const upstream = String(req.params.upstream);
  if (!UPSTREAM.test(upstream)) throw invalidRequest("not an upstream id");
  return upstream;
}

const describe = (secret: SecretMetadata) => ({
  upstream: secret.upstream,
  owner: secret.owner,
  version: secret.version,
  kek_id: secret.kekId,
  created_at: secret.createdAt.toISOString(),
  updated_at: secret.updatedAt.toISOString(),
  updated_by: secret.updatedBy,
});

const principal = (res: Response) => res.locals.principal as Principal;
