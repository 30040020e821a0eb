import { Router, type RequestHandler } from "express";
import { html } from "../pages/html";
import { requireRole, visitorOf } from "./console-access";
import { sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";

/** GET /console/agents — coming (issue 17, console-ops). */
export function agentsPages(_deps: ConsoleDeps, _sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  router.get("/console/agents", requireRole("auditor", "approver", "admin"), (_req, res) => {
    sendConsolePage(res, visitorOf(res), { title: "Agents", section: "agents", body: html`<p>Coming.</p>` });
  });
  return router;
}
