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

/** A logger writing through pino's asynchronous destination, and the ways to get its buffered lines out. */
export interface ProcessLog {
  readonly logger: Logger;
  /** Resolves once every line logged so far is written (the write in flight included). */
  flush(): Promise<void>;
  /** Writes what is buffered now, synchronously: for `exit` handlers, where nothing asynchronous runs. */
  flushSync(): void;
}

/**
 * The service's logger: lines go to `fd` (stdout) through pino's asynchronous
 * destination, so a request never waits on a write(2); lines logged while a
 * write is in flight are batched into the next one. Buffered lines would be
 * lost at exit, so main.ts flushes on shutdown (`flush`) and on crash and on
 * every `process.exit` (`flushSync`, see installLogFlush).
 */
export function createProcessLogger(level: string, fd = 1): ProcessLog {
  const destination = pino.destination({ dest: fd, sync: false });
  const logger = createLogger(level, destination);
  return {
    logger,
    flush: () => new Promise<void>((resolve) => destination.flush(() => resolve())),
    flushSync: () => {
      try {
        destination.flushSync();
      } catch {
        // Destroyed or never opened: nothing left that could be written.
      }
    },
  };
}

/**
 * Makes every exit write the buffered log lines: `process.exit` anywhere
 * (an `exit` handler flushes synchronously), and an uncaught exception, which
 * is logged as `fatal` and flushed (the write in flight finishing, bounded)
 * before the process exits with 1, as Node would have.
 */
export function installLogFlush(log: ProcessLog, exitWithinMs = 2_000): void {
  process.on("exit", () => log.flushSync());
  process.once("uncaughtException", (error) => {
    log.logger.fatal({ err: error }, "uncaught exception: exiting");
    process.stderr.write(`locksmith: uncaught exception: ${error.stack ?? error.message}\n`);
    setTimeout(() => process.exit(1), exitWithinMs).unref();
    void log.flush().finally(() => process.exit(1));
  });
}

export type { Logger };
