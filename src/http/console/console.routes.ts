import { Router, type ErrorRequestHandler } from "express";
import { LocksmithError } from "../../domain/errors";
import { STATUS_OF } from "../error-handler";
import type { LedgerReader } from "../../domain/audit/ledger-reader";
import type { ApprovalServices } from "../../domain/approvals/approval-services";
import type { CredentialServices } from "../../domain/credentials/credential-services";
import type { WindowCounter } from "../../domain/limits/window-counter";
import type { PeopleSignIn } from "../login/people-sign-in";
import { browserRateLimit } from "../middleware/browser-rate-limit";
import type { AdminDeps } from "../routes/admin.routes";
import { requireConsoleVisitor, visitorOf } from "./console-access";
import { consoleAssets } from "./console-assets";
import { CONSOLE_HEADERS, CONSOLE_SECTIONS, sendConsoleMessage, sendConsolePage } from "./console-page";
import { requireSameSiteForm } from "./same-site-form";
import { ledgerPages } from "./ledger.pages";
import { approvalsPages } from "./approvals.pages";
import { agentsPages } from "./agents.pages";
import { picturesPages } from "./pictures.pages";
import { html } from "../pages/html";

/**
 * A caller's mistake on a console page (a bad filter, an unknown event) is a page saying so, with its
 * 4xx status; data endpoints (*.json, *.ndjson) and faults go on to the API's error handler (JSON, and a
 * 5xx never carries an internal message).
 */
const consoleErrors: ErrorRequestHandler = (error, req, res, next) => {
  const status = error instanceof LocksmithError ? STATUS_OF[error.code] : 500;
  if (!req.path.startsWith("/console") || /\.(json|ndjson)$/.test(req.path) || status >= 500 || res.headersSent) return next(error);
  sendConsoleMessage(res, res.locals.consoleVisitor, status, status === 404 ? "Not found" : "That did not work", (error as LocksmithError).description);
};

/** What the console's pages use: the same services the API routes use, so every action is authorized and recorded the same way. */
export interface ConsoleDeps {
  readonly signIn: PeopleSignIn;
  readonly services: CredentialServices;
  readonly ledger?: LedgerReader;
  readonly approvals: ApprovalServices;
  readonly admin?: AdminDeps;
  /** The people's pages' per-address budget, spent by anonymous visits (each writes a login ticket). */
  readonly counter?: WindowCounter;
}

/**
 * The people's console at /console (issue 17; docs/console.md): server-rendered pages for people signed
 * in at the company IdP, each section a router of its own (`*.pages.ts`). `GET /` leads here.
 * Every page needs a signed-in person with a console role; every POST a same-site form with the CSRF token.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get("/", (_req, res) => res.redirect(303, "/console"));
  router.use(consoleAssets());
  // Every console answer, pages and data alike (and refusals), gets the console's headers.
  router.use("/console", (_req, res, next) => {
    res.set(CONSOLE_HEADERS);
    next();
  });
  router.use("/console", requireConsoleVisitor(deps.signIn, deps.services.policy, deps.counter && browserRateLimit(deps.counter)));
  const sameSiteForm = requireSameSiteForm(deps.services.issuer);

  router.get("/console", (_req, res) => {
    const visitor = visitorOf(res);
    const first = CONSOLE_SECTIONS.find((s) => s.roles.some((role) => visitor.roles.includes(role)));
    res.redirect(303, first?.path ?? "/console/agents");
  });
  router.post("/console/sign-out", ...sameSiteForm, async (req, res) => {
    await deps.signIn.signOut(req, res);
    sendConsolePage(res, undefined, { title: "Signed out", body: html`<p>You are signed out of Locksmith. <a href="/console">Sign in again</a></p>` });
  });

  router.use(ledgerPages(deps, sameSiteForm));
  router.use(approvalsPages(deps, sameSiteForm));
  router.use(agentsPages(deps, sameSiteForm));
  router.use(picturesPages(deps, sameSiteForm));
  router.use(consoleErrors);
  return router;
}
