import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Paths pino replaces with "[Redacted]" wherever they appear at these depths.
 * We never log request bodies or headers in the first place; this is the
 * second lock on the door, for a field someone logs by mistake later.
 */
export const REDACTED_PATHS = [
  "authorization",
  "assertion",
  "credential",
  "token",
  "on_behalf_of",
  "private_jwk",
  "privateKey",
  "*.authorization",
  "*.assertion",
  "*.credential",
  "*.token",
  "*.on_behalf_of",
  "*.private_jwk",
  "*.privateKey",
  "*.headers.authorization",
  "*.body",
];

/** Every line written inside a traced request carries its `trace_id` (and `span_id`), to jump from a log line to its trace. */
function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  // Sampled out or not: the trace id is real, and the caller may hold the rest of its trace.
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: "locksmith" }, mixin: traceFields, redact: { paths: REDACTED_PATHS, censor: "[Redacted]" } }, destination);
}

export type { Logger };
