import type { RequestHandler } from "express";
import { LocksmithError } from "../../domain/errors";

/**
 * JSON bodies are UTF-8 (RFC 8259 §8.1: "MUST be encoded using UTF-8" between
 * systems). body-parser would also decode UTF-16 and UTF-32 when the
 * Content-Type names them, which lets one body be read two ways by two
 * parsers; refuse any other declared charset before the body is read.
 */
export const requireUtf8: RequestHandler = (req, _res, next) => {
  const type = req.headers["content-type"];
  const charset = type ? /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(type)?.[1] : undefined;
  if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
    return next(new LocksmithError("unsupported_media_type", "send the body as UTF-8 JSON (charset=utf-8 or no charset)"));
  }
  next();
};

/**
 * body-parser's `verify` for JSON bodies: the charset body-parser itself took
 * from the Content-Type is UTF-8. requireUtf8 refuses early from the header's
 * text, but body-parser parses the parameters (a quoted value may hold
 * `;charset=utf-8` ahead of the real `charset=utf-16le`): its reading decides.
 */
export function utf8BodyOnly(_req: unknown, _res: unknown, _body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== "utf-8") {
    // body-parser keeps `type`: the error handler answers 415, as for requireUtf8.
    throw Object.assign(new Error("the body's charset is not UTF-8"), { type: "charset.unsupported" });
  }
}
