import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../../telemetry/logger";

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane),
 * echoes it, sets headers every answer needs, and logs one line when the
 * answer is sent: method, path, status, time, caller. Never headers or bodies.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.set({
      "X-Request-Id": requestId,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    });
    res.on("finish", () => {
      logger.info(
        {
          req_id: requestId,
          trace_id: res.locals.traceId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          principal: res.locals.principal?.id,
        },
        "request",
      );
    });
    next();
  };
}
