import express, { Router, type Request } from "express";
import { checkAuthorizationRequest, redirectBack } from "../../domain/oauth/authorization-request";
import { recordStep, type AuthorizationServices } from "../../domain/oauth/authorization-services";
import { answerConsent, csrfTokenOf, promptConsent } from "../../domain/oauth/consent";
import { html, sendPage } from "../pages/html";
import type { PeopleSignIn } from "../login/people-sign-in";
import { callOf } from "../middleware/request-context";

const WHY = { person_lacks: "you do not hold it yourself", agent_may_not: "the agent's role does not allow it here" } as const;

/**
 * GET /oauth/authorize (OAuth 2.1 §4.1.1: code + PKCE S256, RFC 8707 resource, RFC 9207 iss) and
 * POST /oauth/authorize/consent: check the request → sign the person in at the company IdP →
 * show what is on offer → on "Allow", a code to the exact registered redirect URI.
 * A bad client_id or redirect_uri gets a page here, never a redirect (RFC 6749 §4.1.2.1).
 */
export function authorizeRoutes(services: AuthorizationServices, signIn: PeopleSignIn): Router {
  const router = Router();

  router.get("/oauth/authorize", async (req, res) => {
    const call = callOf(res);
    const query = singleValues(req);
    const checked = query ? await checkAuthorizationRequest(services.policy.current(), query, services.documents) : undefined;
    if (!checked?.ok) {
      const refusal = checked ?? {
        error: "invalid_request",
        reason: "repeated_parameter",
        description: "a parameter is repeated",
        clientId: undefined,
        redirect: undefined,
      };
      await recordStep(services, call, {
        type: "authorization_refused",
        decision: "deny",
        reason: refusal.reason,
        ...(refusal.clientId && services.policy.current().agents.has(refusal.clientId) ? { agent: refusal.clientId } : {}),
        // The client_id is whatever the URL said: kept for the investigation, printable only (no forged lines, no NUL the ledger refuses).
        detail: { error: refusal.error, ...(refusal.clientId ? { client_id: refusal.clientId.replace(/[^\x20-\x7E]/g, "?").slice(0, 200) } : {}) },
      });
      if (refusal.redirect)
        return res.redirect(
          303,
          redirectBack(refusal.redirect.uri, services.issuer, { error: refusal.error, error_description: refusal.description, state: refusal.redirect.state }),
        );
      return sendPage(res, {
        status: 400,
        title: "This sign-in request cannot be used",
        body: html`<p>${refusal.description}.</p><p class="muted">The application that sent you here is misconfigured; nothing was sent back to it.</p>`,
      });
    }
    const request = checked.request;
    const agent = request.client.agent;
    const context = { agent: agent.id, environment: agent.environment, resource: request.resource };
    const signedIn = await signIn.person(req);
    await recordStep(services, call, {
      type: "authorization_requested",
      decision: "pending",
      ...context,
      ...(signedIn ? { user: signedIn.person.subject } : {}),
      audience: request.resource,
      scope: request.scopes?.join(" "),
    });
    if (!signedIn) return signIn.sendToSignIn(req, res, req.originalUrl, context);
    const prompt = await promptConsent(services, request, signedIn.person, call);
    const resourceName = services.policy.current().resourceServers.find((rs) => rs.audience === request.resource)?.id ?? request.resource;
    if (prompt.kind === "nothing_on_offer") {
      return sendPage(res, {
        status: 403,
        title: "Nothing to allow",
        body: html`<p><strong>${request.client.name}</strong> asked to act for you on <strong>${resourceName}</strong>, but you hold none of the permissions it asked for, so Locksmith cannot let it act for you.</p>
<ul>${prompt.offer.withheld.map((w) => html`<li><code>${w.scope}</code>: ${WHY[w.why]}</li>`)}</ul>
<p><a href="${prompt.deniedRedirect}">Return to the application</a></p>`,
      });
    }
    sendPage(res, {
      title: "Allow access?",
      formTargets: [new URL(request.redirectUri).origin],
      body: html`<dl><dt>Agent</dt><dd>${request.client.name} <span class="muted">(${agent.id}, ${agent.environment})</span></dd>
<dt>Acting for</dt><dd>${signedIn.person.subject} <span class="muted">(signed in at ${signedIn.person.identityProvider})</span></dd>
<dt>On</dt><dd>${resourceName} <span class="muted">(${request.resource})</span></dd>
<dt>May</dt><dd><ul>${prompt.offer.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul></dd>
${prompt.offer.withheld.length > 0 ? html`<dt>Not on offer</dt><dd><ul>${prompt.offer.withheld.map((w) => html`<li><code>${w.scope}</code>: ${WHY[w.why]}</li>`)}</ul></dd>` : html``}</dl>
<form method="post" action="/oauth/authorize/consent">
<input type="hidden" name="consent" value="${prompt.consent}"><input type="hidden" name="csrf_token" value="${csrfTokenOf(signedIn.session)}">
<button class="allow" type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button>
</form><p class="muted">You can withdraw this at any time at <a href="/oauth/consents">your consents</a>.</p>`,
    });
  });

  router.post("/oauth/authorize/consent", express.urlencoded({ extended: false, limit: "4kb", parameterLimit: 8 }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined);
    const signedIn = await signIn.person(req);
    const answer = await answerConsent(
      services,
      { consent: text("consent"), csrfToken: text("csrf_token"), session: signedIn?.session, person: signedIn?.person, allow: text("decision") === "allow" },
      callOf(res),
    );
    if ("refused" in answer) return sendPage(res, { status: 403, title: "Nothing was granted", body: html`<p>${answer.refused}</p>` });
    res.redirect(303, answer.redirect);
  });

  return router;
}

/** The query with every parameter at most once (RFC 6749 §3.1), or undefined when one is repeated. */
function singleValues(req: Request): Record<string, string | undefined> | undefined {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of new URL(req.originalUrl, "http://x.invalid").searchParams) {
    if (name in out) return undefined;
    out[name] = value === "" ? undefined : value;
  }
  return out;
}
