import { Router, type Response } from "express";
import { z } from "zod";
import { setAgentSuspended, type SuspensionServices } from "../../domain/agents/suspend-agent";
import type { CallContext } from "../../domain/call-context";
import { invalidRequest } from "../../domain/errors";
import type { Principal } from "../../domain/policy/policy";
import type { ReloadResult, ReloadTrigger } from "../../domain/policy/reloadable-policy";
import { callOf } from "../middleware/request-context";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { ledgerText, parseBody } from "../validation";

export interface AdminDeps {
  readonly suspension: SuspensionServices;
  readonly reloadPolicy: (trigger: ReloadTrigger, call?: CallContext) => Promise<ReloadResult>;
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const suspendBody = z.object({ reason: ledgerText(512).optional() }).strict();

/** Admin-only: POST /v1/agents/{id}/suspend|resume, POST /v1/admin/policy/reload. */
export function adminRoutes(deps: AdminDeps, auth: ClientAuthDeps): Router {
  const router = Router();
  const admin = authenticateClient(auth, "admin");

  for (const action of ["suspend", "resume"] as const) {
    router.post(`/v1/agents/:id/${action}`, admin, async (req, res) => {
      const agent = String(req.params.id);
      if (!AGENT_ID.test(agent)) throw invalidRequest("not an agent id");
      const { reason } = parseBody(suspendBody, req.body);
      const { changed } = await setAgentSuspended(deps.suspension, principal(res).id, agent, action === "suspend", callOf(res), reason);
      res.status(200).json({ agent, status: action === "suspend" ? "suspended" : "active", changed });
    });
  }

  router.post("/v1/admin/policy/reload", admin, async (_req, res) => {
    const result = await deps.reloadPolicy("admin", callOf(res));
    if (!result.ok) {
      throw invalidRequest(`the bundle on disk is refused; still serving ${result.version}: ${result.problems.slice(0, 5).join("; ")}`);
    }
    res.status(200).json({ policy_version: result.version, previous_version: result.previous, changed: result.changed });
  });

  return router;
}

const principal = (res: Response) => res.locals.principal as Principal;
