import express, { Router, type Request, type Response } from "express";
import { sentFromOwnPage } from "./own-page-form";
import type { Person } from "../../domain/people/person";
import { SignInError } from "../../domain/people/relying-party";
import {
  beginSignIn,
  completeSignIn,
  currentPerson,
  LOGIN_TRANSACTION_TTL_MS,
  signOut,
  type SignInContext,
  type SignInServices,
} from "../../domain/people/sign-in";
import { newSecret } from "../../domain/tickets/ticket-id";
import { callOf } from "../middleware/request-context";
import { html, sendPage } from "../pages/html";
import { SessionCookie } from "./session-cookie";

/** The callback path Locksmith registers at the identity provider: `{LOCKSMITH_ISSUER}/oauth/login/callback`. */
export const LOGIN_CALLBACK_PATH = "/oauth/login/callback";

/**
 * People's sign-in for every page of Locksmith (consent now; the console and connected accounts
 * next): OpenID Connect at the bundle's identity provider, then a short session cookie. See
 * docs/architecture-sign-in.md.
 *
 * @example
 * const person = await signIn.person(req);
 * if (!person) return signIn.sendToSignIn(req, res, req.originalUrl, { agent: "mcp-client" });
 */
export class PeopleSignIn {
  readonly cookie: SessionCookie;
  /** Binds login transactions to the browser that began them (one secret per browser, shared by its tabs). */
  private readonly binding: SessionCookie;
  private readonly origin: string;

  constructor(
    private readonly services: SignInServices,
    issuer: string,
  ) {
    this.origin = new URL(issuer).origin;
    this.cookie = new SessionCookie(issuer);
    this.binding = new SessionCookie(issuer, "locksmith_login", LOGIN_TRANSACTION_TTL_MS);
  }

  /** The person signed in on this browser, with the session secret (for CSRF tokens), or undefined. */
  async person(req: Request): Promise<{ readonly person: Person; readonly session: string } | undefined> {
    const session = this.cookie.read(req);
    const person = await currentPerson(this.services, session);
    return person && session ? { person, session } : undefined;
  }

  /** Sends the browser to the identity provider; once signed in it comes back to `returnTo`, a path of Locksmith. */
  async sendToSignIn(req: Request, res: Response, returnTo: string, context: SignInContext = {}): Promise<void> {
    try {
      const browser = this.binding.read(req) ?? newSecret();
      const url = await beginSignIn(this.services, returnTo, browser, context);
      this.binding.set(res, browser);
      res.redirect(303, url);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      sendPage(res, { status: 503, title: "Signing in is not possible", body: html`<p>${error.message}</p>` });
    }
  }

  /** Ends this browser's session (on every replica at once) and clears its cookie. */
  async signOut(req: Request, res: Response): Promise<void> {
    await signOut(this.services, this.cookie.read(req), callOf(res));
    this.cookie.clear(res);
  }

  /** GET /oauth/login/callback (the IdP sends the browser back here) and POST /oauth/logout. */
  routes(): Router {
    const router = Router();
    router.get(LOGIN_CALLBACK_PATH, async (req, res) => {
      const url = new URL(req.originalUrl, "http://callback.invalid");
      // openid-client compares the callback URL's origin and path with redirect_uri: give it ours.
      const callbackUrl = new URL(`${this.services.callbackUrl}${url.search}`);
      const outcome = await completeSignIn(this.services, callbackUrl, this.binding.read(req), callOf(res));
      if ("failed" in outcome) return sendPage(res, { status: 400, title: "Sign-in failed", body: html`<p>${outcome.failed}</p>` });
      this.cookie.set(res, outcome.session);
      res.redirect(303, outcome.returnTo);
    });
    // Ending a session is a state change: only from a page of Locksmith with the session's CSRF token
    // (SameSite=Lax still sends the cookie with a form post from another origin of the same site).
    router.post("/oauth/logout", express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 16 }), async (req, res) => {
      const session = this.cookie.read(req);
      if (session !== undefined && !sentFromOwnPage(req, this.origin, session)) {
        return sendPage(res, { status: 403, title: "Nothing was changed", body: html`<p>This sign-out was not sent from a Locksmith page.</p>` });
      }
      await this.signOut(req, res);
      sendPage(res, { title: "Signed out", body: html`<p>You are signed out of Locksmith.</p>` });
    });
    return router;
  }
}
