import type { RequestHandler } from "express";
import { LocksmithError } from "../../domain/errors";

/** Bodies are JSON only: anything else is refused before it is read. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is("application/json")) {
    return next(new LocksmithError("unsupported_media_type", "send the body as application/json"));
  }
  next();
};
