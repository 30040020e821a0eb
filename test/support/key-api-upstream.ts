import { once } from "node:events";
import { gzipSync } from "node:zlib";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real HTTP API on loopback that requires its key (header `X-Api-Key` under
 * /api, query `api_key` under /billing) and answers 401 without it. It records
 * every request that reaches it, and some routes echo what they got (the key
 * included), to prove the proxy strips it.
 */
export class KeyApiUpstream {
  readonly seen: SeenRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly key: string,
  ) {}

  static async start(key: string): Promise<KeyApiUpstream> {
    let upstream: KeyApiUpstream | undefined;
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString("utf8");
      upstream!.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, "http://upstream");
      const authorized = url.pathname.startsWith("/billing/") ? url.searchParams.get("api_key") === key : req.headers["x-api-key"] === key;
      if (!authorized) return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":"missing or wrong api key"}');
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        void res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
      let match: RegExpExecArray | null;
      if (req.method === "GET" && url.pathname.startsWith("/api/customers/packed-")) {
        // An upstream that compresses its echo of the key whatever Accept-Encoding said, in the coding the path names.
        const coding = decodeURIComponent(url.pathname.slice("/api/customers/packed-".length));
        return void res.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(gzipSync(JSON.stringify({ key })));
      }
      // biome-ignore lint/suspicious/noAssignInExpressions: a route table reads best as one line per route
      if (req.method === "GET" && (match = /^\/api\/customers\/([^/]+)$/.exec(url.pathname))) return json(200, { id: match[1], name: "Ada" });
      // biome-ignore lint/suspicious/noAssignInExpressions: a route table reads best as one line per route
      if (req.method === "POST" && (match = /^\/api\/customers\/([^/]+)\/notes$/.exec(url.pathname))) return json(201, { customer: match[1], note: body });
      if (req.method === "DELETE") return json(200, { deleted: url.pathname });
      if (req.method === "GET" && url.pathname === "/api/echo") {
        // A careless upstream: it echoes the key in a header, the body and a redirect.
        return json(200, { headers: req.headers, url: req.url }, { "x-echo-key": key, location: `https://elsewhere.example/?k=${encodeURIComponent(key)}` });
      }
      if (req.method === "GET" && url.pathname === "/api/big") {
        // The key split across many small writes, so it straddles chunk boundaries.
        res.writeHead(200, { "content-type": "text/plain" });
        const text = `${"x".repeat(5000)}${key}${"y".repeat(3)}${key}`;
        for (let i = 0; i < text.length; i += 7) res.write(text.slice(i, i + 7));
        return void res.end();
      }
      // biome-ignore lint/suspicious/noAssignInExpressions: a route table reads best as one line per route
      if (req.method === "GET" && (match = /^\/billing\/invoices\/([^/]+)$/.exec(url.pathname))) return json(200, { invoice: match[1], url: req.url });
      json(404, { error: "no such route" });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    upstream = new KeyApiUpstream(server, `http://127.0.0.1:${port}`, key);
    return upstream;
  }

  /** Requests that reached it with this method. */
  reached(method: string): SeenRequest[] {
    return this.seen.filter((r) => r.method === method);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
