import { Router, type Request } from "express";
import { createHash, timingSafeEqual } from "node:crypto";
import { CONNECT_CALLBACK_PATH, connectPath, type ConnectedAccounts } from "../../domain/connections/connected-accounts";
import { UpstreamAuthorizationError } from "../../domain/connections/upstream-authorization";
import { LocksmithError } from "../../domain/errors";
import { csrfTokenOf } from "../../domain/oauth/consent";
import type { PeopleSignIn } from "../login/people-sign-in";
import { callOf } from "../middleware/request-context";
import { html, sendPage } from "../pages/html";

/** An upstream id as the bundle allows it. */
export const UPSTREAM_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The header a disconnect carries the session's CSRF token in (a cross-site page can neither read nor compute it). */
export const CSRF_HEADER = "x-csrf-token";

/**
 * Connected accounts, for the signed-in person (PeopleSignIn): GET /v1/connections/{upstream}/connect
 * sends the browser to the upstream's consent; GET /v1/connections/callback seals the refresh
 * token; GET /v1/connections lists the person's connections (never a token) with the CSRF token
 * that DELETE /v1/connections/{upstream} needs in `X-CSRF-Token`. See docs/upstreams.md.
 */
export function connectionsRoutes(connections: ConnectedAccounts, signIn: PeopleSignIn): Router {
  const router = Router();

  router.get(CONNECT_CALLBACK_PATH, async (req, res) => {
    const signedIn = await signIn.person(req);
    if (!signedIn)
      return sendPage(res, { status: 400, title: "Not connected", body: html`<p>Your Locksmith sign-in ended meanwhile: start the connection again.</p>` });
    const url = new URL(req.originalUrl, "http://callback.invalid");
    const outcome = await connections.complete(signedIn.person, signedIn.session, url, callOf(res));
    if ("failed" in outcome) return sendPage(res, { status: 400, title: "Not connected", body: html`<p>${outcome.failed}</p>` });
    sendPage(res, {
      title: "Connected",
      body: html`<p>Your <strong>${outcome.upstream}</strong> account is connected. Agents acting for you may now get short-lived tokens for it, as the policy allows.</p><p><a href="/v1/connections">Your connections</a></p>`,
    });
  });

  router.get("/v1/connections/:upstream/connect", async (req, res) => {
    const upstream = upstreamParam(req);
    const signedIn = await signIn.person(req);
    if (!signedIn) return signIn.sendToSignIn(req, res, connectPath(upstream));
    try {
      res.redirect(303, await connections.begin(signedIn.person, signedIn.session, upstream));
    } catch (error) {
      if (!(error instanceof UpstreamAuthorizationError)) throw error;
      sendPage(res, { status: 503, title: "Connecting is not possible", body: html`<p>${error.message}</p>` });
    }
  });

  router.get("/v1/connections", async (req, res) => {
    const signedIn = await signIn.person(req);
    if (!signedIn) return signIn.sendToSignIn(req, res, "/v1/connections");
    const list = await connections.list(signedIn.person);
    res.set("Cache-Control", "no-store").json({
      user: signedIn.person.subject,
      csrf_token: csrfTokenOf(signedIn.session),
      connections: list.map((c) => ({ upstream: c.upstream, connected_at: c.connectedAt.toISOString(), updated_at: c.updatedAt.toISOString() })),
    });
  });

  router.delete("/v1/connections/:upstream", async (req, res) => {
    const upstream = upstreamParam(req);
    const signedIn = await signIn.person(req);
    if (!signedIn) throw new LocksmithError("permission_denied", "sign in at Locksmith first (GET /v1/connections)");
    if (!sameToken(csrfTokenOf(signedIn.session), req.get(CSRF_HEADER)))
      throw new LocksmithError("permission_denied", `send the csrf_token of GET /v1/connections in ${CSRF_HEADER}`);
    await connections.disconnect(signedIn.person, upstream, callOf(res));
    res.status(204).end();
  });

  return router;
}

function upstreamParam(req: Request): string {
  const upstream = String(req.params.upstream);
  if (!UPSTREAM_ID.test(upstream)) throw new LocksmithError("invalid_request", "no such upstream id");
  return upstream;
}

function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const [a, b] = [createHash("sha256").update(expected).digest(), createHash("sha256").update(given).digest()];
  return timingSafeEqual(a, b);
}
