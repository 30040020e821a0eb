import { Router, type Response } from "express";
import { invalidRequest } from "../../domain/errors";
import type { Principal } from "../../domain/policy/policy";
import { compareEntryIds, isEntryId, type RevocationEntry } from "../../domain/revocations/revocation";
import type { RevocationFeed } from "../../domain/revocations/revocation-feed";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";

const CATCH_UP_PAGE = 1000;
/** Often enough that a listener notices a silently dead connection within a few of these. */
export const HEARTBEAT_MS = 5000;

/**
 * GET /v1/revocations/stream: Server-Sent Events for resource servers. Each
 * event is `event: revocation`, `id: <feed id>`, `data: {jti, environment}` or
 * `{agent|user|environment, before}` (a suspension adds `suspended: true`; a
 * resumption is `{agent, resumed: true}`), for the caller's environment only. On
 * connect, the entries after `Last-Event-ID` (or the whole retention window)
 * come first, then `event: ready` with `{environment}` (the caller's), then
 * live entries and `: heartbeat` lines.
 */
export function revocationsRoutes(feed: RevocationFeed, auth: ClientAuthDeps, shutdown?: AbortSignal): Router {
  const router = Router();

  router.get("/v1/revocations/stream", authenticateClient(auth, "resource_server"), async (req, res) => {
    const lastEventId = req.get("last-event-id") || undefined;
    if (lastEventId !== undefined && !isEntryId(lastEventId)) throw invalidRequest("Last-Event-ID is not an id this stream sent");
    const environment = (res.locals.principal as Principal).environment;
    const ours = (entry: RevocationEntry) => entry.revocation.environment === undefined || entry.revocation.environment === environment;

    // Listen before catching up, so nothing published in between is lost; the ids drop what both deliver.
    const live: RevocationEntry[] = [];
    let caughtUp = false;
    let sent = lastEventId;
    const send = (entry: RevocationEntry) => {
      if (sent !== undefined && compareEntryIds(entry.id, sent) <= 0) return;
      sent = entry.id;
      if (ours(entry)) res.write(`event: revocation\nid: ${entry.id}\ndata: ${JSON.stringify(entry.revocation)}\n\n`);
    };
    const stop = feed.subscribe((entry) => (caughtUp ? send(entry) : live.push(entry)));
    const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
    // On shutdown, end the stream: listeners reconnect to another replica with Last-Event-ID.
    const endStream = () => res.end();
    shutdown?.addEventListener("abort", endStream, { once: true });
    res.on("close", () => {
      stop();
      clearInterval(heartbeat);
      shutdown?.removeEventListener("abort", endStream);
    });

    try {
      const backlog = await catchUp(feed, lastEventId);
      openStream(res);
      backlog.forEach(send);
      live.forEach(send);
      caughtUp = true;
      // The listener learns its environment from its own authenticated stream: offline verifiers refuse tokens of any other.
      res.write(`event: ready\ndata: ${JSON.stringify({ environment })}\n\n`);
    } catch (error) {
      stop();
      clearInterval(heartbeat);
      throw error;
    }
  });

  return router;
}

async function catchUp(feed: RevocationFeed, after: string | undefined): Promise<RevocationEntry[]> {
  const all: RevocationEntry[] = [];
  for (let page = await feed.since(after, CATCH_UP_PAGE); page.length > 0; page = await feed.since(page[page.length - 1].id, CATCH_UP_PAGE)) {
    all.push(...page);
    if (page.length < CATCH_UP_PAGE) break;
  }
  return all;
}

function openStream(res: Response): void {
  res.status(200).set({ "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  res.flushHeaders();
  res.write("retry: 1000\n\n");
}
