import type { NextFunction, Request, RequestHandler, Response } from "express";
import { consoleRolesOf, type ConsoleRole } from "../../domain/console/console-roles";
import { csrfTokenOf } from "../../domain/oauth/consent";
import type { Person } from "../../domain/people/person";
import type { PolicySource } from "../../domain/policy/policy-source";
import type { PeopleSignIn } from "../login/people-sign-in";
import { sendConsoleMessage, signOutForm, sendConsolePage } from "./console-page";
import { html } from "../pages/html";

/** Who is looking at a console page: the signed-in person, their roles now, and their session's CSRF token. */
export interface ConsoleVisitor {
  readonly person: Person;
  readonly roles: readonly ConsoleRole[];
  readonly csrf: string;
  /** The session secret (the CSRF check derives the token from it); never rendered. */
  readonly session: string;
}

/**
 * Admits signed-in people with at least one console role. Not signed in (or the session expired, or the
 * cookie is forged): a GET goes to the company IdP and comes back to the same page; anything else is
 * refused (a form cannot be replayed through a sign-in). Signed in without a role: a 403 page with
 * nothing on it but a sign-out button.
 */
export function requireConsoleVisitor(signIn: PeopleSignIn, policy: PolicySource, anonymousLimit?: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    try {
      const signedIn = await signIn.person(req);
      if (!signedIn) {
        // Sending to sign-in writes a login ticket: anonymous visits share the people's pages' per-address budget.
        if (anonymousLimit && !(await passes(anonymousLimit, req, res))) return;
        if (req.method === "GET" && acceptsPage(req)) return await signIn.sendToSignIn(req, res, req.originalUrl);
        return sendConsoleMessage(
          res,
          undefined,
          401,
          "Sign in first",
          "Your sign-in expired or this browser is not signed in. Open the console again to sign in.",
        );
      }
      const roles = consoleRolesOf(signedIn.person, policy.current());
      const visitor: ConsoleVisitor = { person: signedIn.person, roles, csrf: csrfTokenOf(signedIn.session), session: signedIn.session };
      res.locals.consoleVisitor = visitor;
      // Without a role the one thing a person may do is sign out (to sign in as someone else).
      if (roles.length === 0 && !(req.method === "POST" && req.path === "/sign-out")) {
        return sendConsolePage(res, undefined, {
          status: 403,
          title: "No access to the console",
          body: html`<p>You are signed in, but no console group of the policy names you. Ask your platform team to add one of your groups to the bundle's <code>console:</code> section.</p>${signOutForm(visitor.csrf)}`,
        });
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The visitor `requireConsoleVisitor` admitted. */
export function visitorOf(res: Response): ConsoleVisitor {
  const visitor = res.locals.consoleVisitor as ConsoleVisitor | undefined;
  if (!visitor) throw new Error("requireConsoleVisitor is not installed");
  return visitor;
}

/** Only visitors holding one of `roles`; others get a 403 page without data. */
export function requireRole(...roles: ConsoleRole[]): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const visitor = visitorOf(res);
    if (roles.some((role) => visitor.roles.includes(role))) return next();
    sendConsoleMessage(res, visitor, 403, "Not for your role", `This page is for ${roles.join(" or ")}s.`);
  };
}

/** Runs a limiter; false when it refused (it passed its error on, which the error handler answers as 429). */
async function passes(limit: RequestHandler, req: Request, res: Response): Promise<boolean> {
  const error = await new Promise<unknown>((done) => void limit(req, res, done));
  if (error) throw error;
  return true;
}

/** Data endpoints (JSON, NDJSON) are fetched by console.js; only navigations are sent through the IdP. */
const acceptsPage = (req: Request) => !req.path.endsWith(".json") && !req.path.endsWith(".ndjson") && req.accepts(["html", "json"]) !== "json";
