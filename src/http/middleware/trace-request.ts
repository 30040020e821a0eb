import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Context } from "@opentelemetry/api";
import type { RequestHandler } from "express";
import type { LocksmithMetrics } from "../../telemetry/metrics";

const tracer = trace.getTracer("locksmith");

/**
 * Opens the request's server span (continuing the caller's W3C `traceparent`
 * when there is one), makes it the active context for everything the request
 * does, and when the answer is sent names it by route, ends it and records the
 * request's latency. Puts the trace id on `res.locals.traceId` for the logs.
 */
export function traceRequests(metrics?: LocksmithMetrics): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method } }, parent);
    const active = trace.setSpan(parent, span);
    const started = performance.now();
    if (isSpanContextValid(span.spanContext())) res.locals.traceId = span.spanContext().traceId;
    res.locals.traceContext = active;
    res.on("finish", () => {
      // The route template (`/v1/credentials/:jti`), never the path: bounded labels, no jti.
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ "http.route": route, "http.response.status_code": res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      metrics?.request((performance.now() - started) / 1000, { method: req.method, route, status: res.statusCode });
    });
    context.with(active, next);
  };
}

/**
 * Re-enters the request's trace context. Body parsing resumes from stream
 * callbacks that run outside it; this goes right after the body parser so the
 * route and its `locksmith.*` step spans are children of the request span.
 */
export const resumeTraceContext: RequestHandler = (_req, res, next) => {
  const active = res.locals.traceContext as Context | undefined;
  if (active) context.with(active, next);
  else next();
};
