import express, { type Request, type RequestHandler } from "express";
import { invalidRequest } from "../../domain/errors";

/** Reads `application/x-www-form-urlencoded` bodies only (RFC 6749 §3.2), small, flat (no nested brackets). */
export const formBody: RequestHandler[] = [
  (req, _res, next) => {
    if (!req.is("application/x-www-form-urlencoded")) {
      return next(invalidRequest("send the parameters as application/x-www-form-urlencoded"));
    }
    next();
  },
  express.urlencoded({ extended: false, limit: "32kb", parameterLimit: 32 }),
];

/**
 * The request's parameters. RFC 6749 §3.1/§3.2: a parameter sent without a
 * value is as if omitted, and none may appear more than once.
 */
export function formParams(req: Request): Record<string, string | undefined> {
  const body = (req.body ?? {}) as Record<string, string | string[]>;
  const params: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) throw invalidRequest(`parameter ${name} is repeated`);
    params[name] = value === "" ? undefined : value;
  }
  return params;
}
