import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { CallContext } from "../../domain/call-context";
import type { Logger } from "../../telemetry/logger";

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request its call envelope (`callOf(res)`: an id, the caller's
 * `X-Request-Id` when it is sane; the `traceparent` trace id; the client
 * address), echoes the id, sets headers every answer needs, and logs one line
 * when the answer is sent: method, path, status, time, caller. Never headers or bodies.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    const call: CallContext = { requestId, traceId: traceIdOf(req.get("traceparent")), clientIp: req.ip };
    res.locals.call = call;
    res.locals.requestId = requestId;
    res.locals.traceId = call.traceId;
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
          // With tracing on, the logger's mixin adds the active trace's id; without it, the caller's traceparent.
          ...(res.locals.traceId ? { trace_id: res.locals.traceId } : {}),
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

/** The trace id of a W3C `traceparent` header (version 00), for the ledger; anything malformed is ignored. */
function traceIdOf(header: string | undefined): string | undefined {
  const match = header ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header) : null;
  return match && !/^0+$/.test(match[1]) ? match[1] : undefined;
}

/** The call envelope `requestContext` put on the request: the one way a route hands its caller's ids to a use case. */
export function callOf(res: Response): CallContext {
  const call = res.locals.call as CallContext | undefined;
  if (!call) throw new Error("requestContext middleware is not installed");
  return call;
}
