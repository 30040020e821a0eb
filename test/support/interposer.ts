import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A local HTTP proxy in front of a running Locksmith that a test can turn
 * against its clients: answer the next N calls with 503, or cut the
 * revocation stream (drop open streams, refuse new ones) until restored.
 */
export class Interposer {
  /** Requests that reached the proxy, in order: "METHOD /path". */
  readonly seen: string[] = [];
  private failNext = 0;
  private streamCut = false;
  private readonly streams = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<Interposer> {
    let self: Interposer | undefined;
    const server = createServer((req, res) => self!.handle(req, res, new URL(target)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = new Interposer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** The next `count` calls get 503 temporarily_unavailable. */
  failWith503(count: number): void {
    this.failNext = count;
  }

  cutStream(): void {
    this.streamCut = true;
    for (const socket of this.streams) socket.destroy();
  }

  restoreStream(): void {
    this.streamCut = false;
  }

  async close(): Promise<void> {
    this.cutStream();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse, target: URL): void {
    this.seen.push(`${req.method} ${req.url}`);
    const isStream = req.url?.startsWith("/v1/revocations/stream") ?? false;
    if (this.failNext > 0 || (isStream && this.streamCut)) {
      if (!isStream) this.failNext--;
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      res.end(JSON.stringify({ error: "temporarily_unavailable", error_description: "the interposer says no" }));
      return;
    }
    if (isStream) {
      this.streams.add(req.socket);
      req.socket.once("close", () => this.streams.delete(req.socket));
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }
}
