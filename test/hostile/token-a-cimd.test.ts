import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientDocumentError } from "../../src/domain/oauth/client-metadata-document";
import { HttpsClientDocumentFetcher, isPrivateAddress } from "../../src/stores/http/client-document-fetcher";
import { selfSignedCertificate } from "../support/self-signed-certificate";

// A hostile Client ID Metadata Document host (real https on loopback, a self-signed "cimd.test"):
// what it can do to the authorization endpoint that fetches its document while a person waits.

let dir: string;
let server: Server;
let port: number;
let cert: string;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-cimd-hostile-"));
  const pair = selfSignedCertificate(dir, "cimd.test");
  cert = pair.cert;
  server = createServer({ key: pair.key, cert }, (_req, res) => {
    // Slowloris: a valid start, then one byte of whitespace at a time, never idle long enough for a socket timeout.
    res.writeHead(200, { "content-type": "application/json" });
    const timer = setInterval(() => res.write(" "), 250);
    timers.add(timer);
    res.on("close", () => clearInterval(timer));
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  rmSync(dir, { recursive: true, force: true });
});

test("a document that trickles in a byte at a time is abandoned at the time limit, not when the 5 KiB run out (hours later)", async () => {
  const fetcher = new HttpsClientDocumentFetcher(async () => [{ address: "127.0.0.1", family: 4 }], cert);
  const outcome = await fetcher.fetch(`https://cimd.test:${port}/client.json`, { allowPrivateAddresses: true }).then(
    () => "fetched",
    (error: unknown) => (error instanceof ClientDocumentError ? error.problem : String(error)),
  );
  expect(outcome).toBe("unreachable");
}, 20_000);

test("an AAAA record into a local-use NAT64 prefix (RFC 8215, 64:ff9b:1::/48: an internal IPv4 address behind the gateway) counts as private", () => {
  expect(isPrivateAddress("64:ff9b:1::a00:1")).toBe(true);
  expect(isPrivateAddress("64:ff9b::a00:1")).toBe(true);
});
