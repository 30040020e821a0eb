import express, { Router } from "express";
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthorizationServices } from "../../domain/oauth/authorization-services";
import { csrfTokenOf } from "../../domain/oauth/consent";
import { withdrawConsent } from "../../domain/oauth/withdraw-consent";
import { html, sendPage } from "../pages/html";
import type { PeopleSignIn } from "../login/people-sign-in";
import { callOf } from "../middleware/request-context";

/**
 * GET /oauth/consents lists what the signed-in person allowed agents (live grants), each with a
 * "Withdraw" button; POST /oauth/consents/withdraw revokes one (CSRF token of the session).
 */
export function consentsRoutes(services: AuthorizationServices, signIn: PeopleSignIn): Router {
  const router = Router();

  router.get("/oauth/consents", async (req, res) => {
    const signedIn = await signIn.person(req);
    if (!signedIn) return signIn.sendToSignIn(req, res, "/oauth/consents");
    const grants = (await services.grants.listByUser(signedIn.person.subject)).filter((state) => !state.revoked);
    const csrf = csrfTokenOf(signedIn.session);
    sendPage(res, {
      title: "What you allowed agents",
      body: html`<p>Signed in as <strong>${signedIn.person.subject}</strong>.</p>${grants.length === 0 ? html`<p>You have allowed no agent anything.</p>` : html``}
<ul>${grants.map(
        ({
          grant,
        }) => html`<li><strong>${grant.agent}</strong> on ${grant.resource}: <code>${grant.scopes.join(" ")}</code> <span class="muted">(since ${new Date(grant.grantedAt).toISOString()})</span>
<form method="post" action="/oauth/consents/withdraw"><input type="hidden" name="grant" value="${grant.id}"><input type="hidden" name="csrf_token" value="${csrf}"><button type="submit">Withdraw</button></form></li>`,
      )}</ul>`,
    });
  });

  router.post("/oauth/consents/withdraw", express.urlencoded({ extended: false, limit: "2kb", parameterLimit: 4 }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const signedIn = await signIn.person(req);
    const grant = typeof form.grant === "string" ? form.grant : "";
    if (!signedIn || !sameToken(csrfTokenOf(signedIn.session), form.csrf_token)) {
      return sendPage(res, {
        status: 403,
        title: "Nothing was changed",
        body: html`<p>This form was not sent from your Locksmith page, or your sign-in expired.</p>`,
      });
    }
    const withdrawn = await withdrawConsent(services, signedIn.person, grant, callOf(res));
    sendPage(res, {
      status: withdrawn ? 200 : 404,
      title: withdrawn ? "Consent withdrawn" : "Nothing to withdraw",
      body: html`<p>${withdrawn ? "The agent can no longer refresh its access; its current token is revoked." : "No such consent of yours is live."}</p><p><a href="/oauth/consents">Back to your consents</a></p>`,
    });
  });

  return router;
}

function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const [a, b] = [createHash("sha256").update(expected).digest(), createHash("sha256").update(given).digest()];
  return timingSafeEqual(a, b);
}
