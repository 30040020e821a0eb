import { Router } from "express";
import { z } from "zod";
import { revokeSubject } from "../../domain/credentials/revoke-subject";
import type { CredentialServices } from "../../domain/credentials/credential-services";
import type { Principal } from "../../domain/policy/policy";
import { invalidRequest } from "../../domain/errors";
import { callOf } from "../middleware/request-context";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { requireJson } from "../middleware/require-json";
import { ledgerText, parseBody } from "../validation";

const subjectId = ledgerText(256).min(1);
const body = z.object({ agent: subjectId.optional(), user: subjectId.optional(), environment: subjectId.optional() }).strict();

/**
 * POST /v1/revocations `{agent}` | `{user}` | `{environment}` (exactly one), admins only:
 * revokes every live credential of that subject now. **200** `{revoked: <count>}`.
 */
export function subjectRevocationsRoutes(services: CredentialServices, auth: ClientAuthDeps): Router {
  const router = Router();
  router.post("/v1/revocations", requireJson, authenticateClient(auth, "admin"), async (req, res) => {
    const parsed = parseBody(body, req.body);
    const named = (["agent", "user", "environment"] as const).filter((kind) => parsed[kind] !== undefined);
    if (named.length !== 1) throw invalidRequest("name exactly one of agent, user or environment");
    const kind = named[0];
    const revoked = await revokeSubject(services, res.locals.principal as Principal, { kind, id: parsed[kind]! }, callOf(res));
    res.status(200).json({ revoked });
  });
  return router;
}
