import { Router, type RequestHandler } from "express";
import { html } from "../pages/html";
import { requireRole, visitorOf } from "./console-access";
import { sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";

/** GET /console/ledger — auditors and admins. */
export function ledgerPages(_deps: ConsoleDeps, _sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  router.get("/console/ledger", requireRole("auditor", "admin"), (_req, res) => {
    sendConsolePage(res, visitorOf(res), { title: "Ledger", section: "ledger", body: html`<p>Coming.</p>` });
  });
  return router;
}
