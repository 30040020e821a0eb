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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: "locksmith" }, redact: { paths: REDACTED_PATHS, censor: "[Redacted]" } }, destination);
}

export type { Logger };
