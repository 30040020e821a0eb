import express, { type RequestHandler } from "express";
import { sentFromOwnPage } from "../login/own-page-form";
import { visitorOf } from "./console-access";
import { sendConsoleMessage } from "./console-page";

/**
 * Every state-changing console request must come from a console page of this Locksmith: the browser's
 * `Sec-Fetch-Site` (when sent) says same-origin, `Origin` (when sent) is Locksmith's own, and the form
 * carries the session's CSRF token (compared in constant time). Any miss: 403, nothing changed.
 * SameSite=Lax already keeps the session cookie off cross-site posts; this holds even without it.
 */
export function requireSameSiteForm(issuer: string): RequestHandler[] {
  const origin = new URL(issuer).origin;
  return [
    express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 16 }),
    (req, res, next) => {
      const visitor = visitorOf(res);
      if (!sentFromOwnPage(req, origin, visitor.session)) {
        return sendConsoleMessage(
          res,
          visitor,
          403,
          "Nothing was changed",
          "This form was not sent from your Locksmith console page, or your sign-in changed.",
        );
      }
      next();
    },
  ];
}
