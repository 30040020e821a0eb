import { Router, type RequestHandler } from "express";
import { html } from "../pages/html";
import { requireRole, visitorOf } from "./console-access";
import { sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";

/** GET /console/pictures — coming (issue 17, console-ops). */
export function picturesPages(_deps: ConsoleDeps, _sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  router.get("/console/pictures", requireRole("auditor", "admin"), (_req, res) => {
    sendConsolePage(res, visitorOf(res), { title: "Pictures", section: "pictures", body: html`<p>Coming.</p>` });
  });
  return router;
}
