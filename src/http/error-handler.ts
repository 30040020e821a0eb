import type { ErrorRequestHandler, Response } from "express";
import { LocksmithError, type ErrorCode } from "../domain/errors";
import { RateLimitedError } from "../domain/limits/check-rate-limits";
import type { Logger } from "../telemetry/logger";

/** The one status table of the HTTP contract. */
export const STATUS_OF: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  temporarily_unavailable: 503,
  server_error: 500,
  bad_gateway: 502,
  invalid_token: 401,
  invalid_grant: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_token_type: 400,
};

/** Writes `{error, error_description, ...}`; a 5xx body never carries an internal message. */
export function sendError(res: Response, error: LocksmithError): void {
  const status = STATUS_OF[error.code];
  if (error.code === "invalid_client") res.set("WWW-Authenticate", 'Bearer error="invalid_client"');
  if (error.code === "temporarily_unavailable") res.set("Retry-After", "1");
  if (error instanceof RateLimitedError) res.set("Retry-After", String(error.retryAfterSeconds));
  res.status(status).json({ error: error.code, error_description: error.description, ...error.extra });
}

/** body-parser's own failures, which happen before any route runs. */
function fromBodyParser(error: { type?: string; status?: number }): LocksmithError | undefined {
  switch (error.type) {
    case "entity.parse.failed":
      return new LocksmithError("invalid_request", "the body is not valid JSON");
    case "entity.too.large":
      return new LocksmithError("payload_too_large", "the body is too large");
    case "charset.unsupported":
    case "encoding.unsupported":
      return new LocksmithError("unsupported_media_type", "send the body as UTF-8 JSON");
    default:
      return error.status && error.status >= 400 && error.status < 500 ? new LocksmithError("invalid_request", "the request could not be read") : undefined;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const known = error instanceof LocksmithError ? error : fromBodyParser(error);
    if (known) {
      if (known.code === "temporarily_unavailable") {
        logger.warn({ req_id: res.locals.requestId, err: { name: error.name, cause: describeCause(error) } }, "store unavailable: refused");
      }
      // A 500 the code foresaw is still a fault an operator must be able to find by request id.
      if (known.code === "server_error") {
        logger.error({ req_id: res.locals.requestId, err: { name: known.name, message: known.description } }, "internal error");
      }
      return sendError(res, known);
    }
    logger.error({ req_id: res.locals.requestId, err: { name: error?.name, message: error?.message, stack: error?.stack } }, "unexpected error");
    sendError(res, new LocksmithError("server_error", "internal error; the request id identifies it in the logs"));
  };
}

const describeCause = (error: { cause?: unknown }) => (error.cause instanceof Error ? error.cause.message : undefined);
