import { Router } from "express";
import { z } from "zod";
import { LocksmithError } from "../../domain/errors";
import { rotateSigningKey, type RotationDeps } from "../../domain/keys/rotate-signing-key";
import { RotationRefused } from "../../domain/keys/rotation";
import type { PolicySource } from "../../domain/policy/policy-source";
import type { Principal } from "../../domain/policy/policy";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { requireJson } from "../middleware/require-json";
import { callOf } from "../middleware/request-context";
import { parseBody } from "../validation";

export const rotateBody = z.object({ environment: z.string().min(1).max(128), force: z.boolean().optional() }).strict();

export type AdminKeysDeps = Omit<RotationDeps, "policy"> & { readonly policy: PolicySource };

/**
 * POST /v1/admin/keys/rotate `{environment, force?}`, admins only: one rotation
 * step (see `planRotation`), recorded as `key_rotated`. 200 with what happened;
 * a refused step (the next key is younger than the JWKS cache lifetime) is
 * 400 `invalid_request` saying when to try again.
 */
export function adminKeysRoutes(deps: AdminKeysDeps, auth: ClientAuthDeps): Router {
  const router = Router();
  router.post("/v1/admin/keys/rotate", requireJson, authenticateClient(auth, "admin"), async (req, res) => {
    const body = parseBody(rotateBody, req.body);
    const policy = deps.policy.current();
    if (!policy.environments.includes(body.environment)) throw new LocksmithError("invalid_request", `no environment ${body.environment} in the policy`);
    const admin = res.locals.principal as Principal;
    try {
      const summary = await rotateSigningKey({ ...deps, policy }, { environment: body.environment, force: body.force, actor: admin.id }, callOf(res));
      res.status(200).json({
        environment: body.environment,
        outcome: summary.outcome,
        activated: summary.activated ?? null,
        retiring: summary.retiring ?? null,
        retire_at: summary.retireAt ?? null,
        next: summary.next,
        retired: summary.retired,
        algorithms: summary.algorithms,
      });
    } catch (error) {
      if (error instanceof RotationRefused) throw new LocksmithError("invalid_request", error.message);
      throw error;
    }
  });
  return router;
}
