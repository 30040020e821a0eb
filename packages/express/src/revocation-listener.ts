import type { ResolvedIdentity } from "./resource-server-identity";
import { signAssertion } from "@locksmith/client/internal";
import type { RevocationList, RevocationNotice } from "./revocation-list";
import { readSse } from "./sse-events";

export interface RevocationListenerOptions {
  /** With no byte (heartbeats included) for this long, the stream counts as down. Default 15000 ms. */
  readonly staleAfterMs?: number;
  /** Wait before reconnecting; doubles up to 5 s. Default 250 ms. */
  readonly reconnectMs?: number;
  /**
   * The environment this server must be in. Without it, the one the stream announces is used; with it,
   * a stream that announces another is never trusted (a misconfigured key or identity fails closed).
   */
  readonly environment?: string;
}

/**
 * Keeps a resource server's RevocationList current from Locksmith's
 * `GET /v1/revocations/stream`, reconnecting with `Last-Event-ID` so nothing
 * is missed. `live` is true only between the stream's `ready` event (backlog
 * applied) and the moment it drops or goes quiet: while it is false an
 * offline verifier must not trust its list. `environment` is the one the
 * stream's `ready` event names (Locksmith knows it from the server's identity).
 */
export class RevocationListener {
  private connected = false;
  private lastId: string | undefined;
  private lastActivity = 0;
  private announced: string | undefined;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    private readonly identity: ResolvedIdentity,
    private readonly list: RevocationList,
    private readonly options: RevocationListenerOptions = {},
  ) {
    this.done = this.run();
  }

  get live(): boolean {
    return this.connected && Date.now() - this.lastActivity < (this.options.staleAfterMs ?? 15_000);
  }

  /** This resource server's environment, as its stream announced it; undefined until then. */
  get environment(): string | undefined {
    return this.announced;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    let wait = this.options.reconnectMs ?? 250;
    while (!this.abort.signal.aborted) {
      try {
        await this.listenOnce();
        wait = this.options.reconnectMs ?? 250;
      } catch {
        // Down: the verifier falls back (see `live`); try again shortly.
      }
      this.connected = false;
      if (this.abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      wait = Math.min(wait * 2, 5000);
    }
  }

  private async listenOnce(): Promise<void> {
    const { url, issuer, id, key } = this.identity;
    const assertion = await signAssertion({ id, key: await key(), audience: issuer });
    const watchdog = new AbortController();
    const res = await fetch(new URL("/v1/revocations/stream", url), {
      headers: { authorization: `Bearer ${assertion}`, accept: "text/event-stream", ...(this.lastId ? { "last-event-id": this.lastId } : {}) },
      signal: AbortSignal.any([this.abort.signal, watchdog.signal]),
    });
    if (res.status !== 200 || !res.body) throw new Error(`revocation stream answered ${res.status}`);
    this.lastActivity = Date.now();
    const stale = setInterval(() => {
      if (!this.live && this.connected) watchdog.abort();
    }, 1000).unref();
    try {
      for await (const event of readSse(res.body, () => (this.lastActivity = Date.now()))) {
        if (event.event === "revocation") {
          this.list.add(JSON.parse(event.data) as RevocationNotice);
          if (event.id) this.lastId = event.id;
        } else if (event.event === "ready") {
          const environment = (JSON.parse(event.data) as { environment?: unknown }).environment;
          // Unknown or not the pinned one: never trusted, so the verifier redeems online (Locksmith checks the wall itself).
          if (typeof environment !== "string" || (this.options.environment !== undefined && environment !== this.options.environment)) {
            throw new Error("the revocation stream names no environment, or another than configured");
          }
          this.announced = environment;
          this.connected = true;
        }
      }
    } finally {
      clearInterval(stale);
    }
  }
}
