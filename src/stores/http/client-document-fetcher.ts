import { lookup as dnsLookup } from "node:dns/promises";
import { request } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { rootCertificates } from "node:tls";
import { ClientDocumentError, type ClientDocumentFetcher, type ClientMetadata } from "../../domain/oauth/client-metadata-document";

const MAX_BYTES = 5 * 1024;
const TIMEOUT_MS = 3_000;
const CACHE_MS = 5 * 60_000;

/** Addresses a document must not come from unless the bundle allows it: SSRF into the service's own network. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv6");

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is checked as the IPv4 address it is. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  return PRIVATE.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

/**
 * Client ID Metadata Documents over https with SSRF guards: every address of the name is checked
 * and the connection goes to a checked one (no DNS rebinding between check and connect), no
 * redirects, 5 KiB and 3 s at most, answers cached five minutes.
 */
export class HttpsClientDocumentFetcher implements ClientDocumentFetcher {
  private readonly cache = new Map<string, { metadata: ClientMetadata; until: number }>();

  /** `ca`: extra trust anchors (a lab's own CA; tests); the system's are always used. */
  constructor(
    private readonly resolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true }),
    private readonly ca?: string,
  ) {}

  async fetch(url: string, options: { readonly allowPrivateAddresses: boolean }): Promise<ClientMetadata> {
    const cached = this.cache.get(url);
    if (cached && cached.until > Date.now()) return cached.metadata;
    const target = new URL(url);
    if (target.protocol !== "https:") throw new ClientDocumentError("invalid_document", "a client metadata document must be served over https");
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await this.resolve(host).catch(() => []);
    if (addresses.length === 0) throw new ClientDocumentError("unreachable", `${target.hostname} does not resolve`);
    if (!options.allowPrivateAddresses && addresses.some((a) => isPrivateAddress(a.address))) {
      throw new ClientDocumentError("private_address", `${target.hostname} resolves to a private or loopback address`);
    }
    const pinned = addresses[0];
    // The connection goes to the address just checked, whatever the name resolves to by then (DNS rebinding).
    const lookup: LookupFunction = (_host, options, callback) =>
      options.all
        ? (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned])
        : (callback as (e: null, a: string, f: number) => void)(null, pinned.address, pinned.family);
    const body = await get(target, lookup, this.ca);
    const metadata = parse(url, body);
    this.cache.set(url, { metadata, until: Date.now() + CACHE_MS });
    return metadata;
  }
}

function get(url: URL, lookup: LookupFunction, ca: string | undefined): Promise<string> {
  let deadline: NodeJS.Timeout | undefined;
  const fetched = new Promise<string>((resolve, reject) => {
    const tls = ca ? { ca: [...rootCertificates, ca] } : {};
    // `timeout` below only notices an idle socket: a host trickling a byte at a time would hold the request for hours.
    deadline = setTimeout(() => {
      req.destroy();
      reject(new ClientDocumentError("unreachable", "the document did not arrive in time"));
    }, TIMEOUT_MS);
    const req = request(url, { method: "GET", lookup, timeout: TIMEOUT_MS, headers: { accept: "application/json" }, ...tls }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new ClientDocumentError("unreachable", `the document answered ${res.statusCode} (redirects are not followed)`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) {
          req.destroy();
          reject(new ClientDocumentError("too_large", `the document is larger than ${MAX_BYTES} bytes`));
        } else chunks.push(chunk);
      });
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("timeout", () => req.destroy(new ClientDocumentError("unreachable", "the document did not arrive in time")));
    req.on("error", (error) =>
      reject(
        error instanceof ClientDocumentError
          ? error
          : new ClientDocumentError("unreachable", `the document cannot be fetched (${(error as NodeJS.ErrnoException).code ?? "error"})`),
      ),
    );
    req.end();
  });
  return fetched.finally(() => clearTimeout(deadline));
}

function parse(url: string, body: string): ClientMetadata {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new ClientDocumentError("invalid_document", "the document is not JSON");
  }
  if (doc.client_id !== url) throw new ClientDocumentError("invalid_document", "the document's client_id is not its own URL");
  if (doc.client_secret !== undefined || (doc.token_endpoint_auth_method ?? "none") !== "none")
    throw new ClientDocumentError("invalid_document", "a metadata-document client must be public (token_endpoint_auth_method none)");
  const uris = doc.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 16 || !uris.every(validRedirectUri))
    throw new ClientDocumentError("invalid_document", "redirect_uris must list https URLs (http only on loopback) without fragments");
  return { clientId: url, redirectUris: uris as string[], ...(typeof doc.client_name === "string" ? { clientName: doc.client_name.slice(0, 100) } : {}) };
}

function validRedirectUri(value: unknown): boolean {
  if (typeof value !== "string" || value.length > 512 || value.includes("#")) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
  } catch {
    return false;
  }
}
