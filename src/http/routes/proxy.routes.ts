import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Router, type Request, type Response } from "express";
import { LocksmithError } from "../../domain/errors";
import { callOf } from "../middleware/request-context";
import { prepareProxyCall, type ProxyServices, type UpstreamCall } from "../../domain/upstreams/proxy-call";
import { redactStream, redactText } from "../../domain/upstreams/redact-stream";

/** Request headers an agent may pass to the upstream; everything else (its Authorization above all) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "content-language",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
];
/** Answer headers passed back, after the key is stripped from them. No Set-Cookie, no hop-by-hop, no length (redaction changes it). */
const FORWARDED_RESPONSE_HEADERS = ["content-type", "content-language", "etag", "last-modified", "location", "retry-after", "www-authenticate"];
/** The content codings fetch undoes before the answer reaches the key stripper. */
const UNPACKED_CODINGS = ["gzip", "x-gzip", "deflate", "br"];
const MAX_BODY_BYTES = 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 30_000;
const CREDENTIAL = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/i;

/**
 * `{issuer}/v1/proxy/{upstream}/{path}`: an agent calls an api_key upstream
 * through Locksmith with a Locksmith credential for it. Mounted before the
 * JSON body parser: the body streams through untouched (up to 1 MiB). The
 * upstream is called only after `prepareProxyCall` allowed it; its answer
 * streams back with the key stripped from headers and body.
 */
export function proxyRoutes(services: ProxyServices): Router {
  const router = Router();
  router.all("/v1/proxy/:upstream{/*path}", async (req, res) => {
    const upstream = String(req.params.upstream);
    const match = CREDENTIAL.exec(req.get("authorization") ?? "");
    if (!match) throw new LocksmithError("invalid_token", "send Authorization: Bearer <a Locksmith credential for this upstream>");
    // A declared oversize body is refused before anything is decided or spent (a chunked one is cut off while streaming).
    if (Number(req.get("content-length") ?? 0) > MAX_BODY_BYTES)
      throw new LocksmithError("payload_too_large", `a proxied body is at most ${MAX_BODY_BYTES} bytes`);
    const prefix = `/v1/proxy/${upstream}`;
    // The raw URL, not Express's decoded params: what is checked is byte for byte what is sent.
    if (!req.originalUrl.startsWith(prefix)) throw new LocksmithError("invalid_request", "the upstream id must not be percent-encoded");
    const prepared = await prepareProxyCall(
      services,
      { upstream, method: req.method, target: req.originalUrl.slice(prefix.length), credential: match[1] },
      callOf(res),
    );
    await relay(req, res, prepared);
  });
  return router;
}

async function relay(req: Request, res: Response, prepared: UpstreamCall): Promise<void> {
  const headers = new Headers({ "accept-encoding": "identity", "x-request-id": String(res.locals.requestId) });
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.get(name);
    if (value !== undefined) headers.set(name, value);
  }
  for (const [name, value] of Object.entries(prepared.headers)) headers.set(name, value);
  const hasBody = !["GET", "HEAD"].includes(req.method) && (req.get("content-length") !== undefined || req.get("transfer-encoding") !== undefined);
  const aborted = new AbortController();
  res.on("close", () => aborted.abort());
  let answer: globalThis.Response;
  try {
    answer = await fetch(prepared.url, {
      method: req.method,
      headers,
      redirect: "manual",
      signal: AbortSignal.any([aborted.signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]),
      ...(hasBody ? { body: Readable.toWeb(req.pipe(limit(MAX_BODY_BYTES))) as ReadableStream, duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    if ((error as Error).name === "PayloadTooLarge" || (error as Error).cause instanceof PayloadTooLarge)
      throw new LocksmithError("payload_too_large", `a proxied body is at most ${MAX_BODY_BYTES} bytes`);
    // Never the error's text: it may quote the URL, and with it a key sent in the query.
    throw new LocksmithError("bad_gateway", "the upstream did not answer");
  }
  // fetch undoes gzip, deflate and br (even unasked), and nothing if the chain holds any other coding: the body would
  // then pass the stripper still packed, the key inside it. Refused, before anything of the answer goes out.
  const codings = (answer.headers.get("content-encoding") ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  if (codings.some((c) => !UNPACKED_CODINGS.includes(c)) && !codings.every((c) => c === "identity")) {
    await answer.body?.cancel().catch(() => undefined);
    throw new LocksmithError("bad_gateway", "the upstream answered in a content coding Locksmith cannot strip the key from");
  }
  res.status(answer.status);
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) res.set(name, redactText(value, prepared.needles));
  }
  if (!answer.body || req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream), redactStream(prepared.needles), res).catch(() => {
    // The agent went away or the upstream broke off: the answer is already under way, so it just ends.
    res.destroy();
  });
}

class PayloadTooLarge extends Error {
  override name = "PayloadTooLarge";
}

function limit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      done(seen > max ? new PayloadTooLarge() : null, chunk);
    },
  });
}
