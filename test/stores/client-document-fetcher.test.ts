import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientDocumentError } from "../../src/domain/oauth/client-metadata-document";
import { HttpsClientDocumentFetcher, isPrivateAddress } from "../../src/stores/http/client-document-fetcher";
import { selfSignedCertificate } from "../support/self-signed-certificate";

// Client ID Metadata Documents fetched over real https (a self-signed certificate for "cimd.test",
// trusted as the fetcher's extra CA) from a loopback server, with every SSRF guard exercised.

let dir: string;
let server: Server;
let port: number;
let cert: string;
const documents: Record<string, { status?: number; body: string; headers?: Record<string, string> }> = {};
const lookups: string[] = [];
// "cimd.test" resolves to loopback here, as an attacker's DNS could make any name do.
const resolve = async (host: string) => {
  lookups.push(host);
  return host === "cimd.test" ? [{ address: "127.0.0.1", family: 4 }] : [];
};
const url = (path: string) => `https://cimd.test:${port}${path}`;
const doc = (path: string, extra: object = {}) =>
  JSON.stringify({
    client_id: url(path),
    client_name: "Lab client",
    redirect_uris: ["http://127.0.0.1:3333/callback"],
    token_endpoint_auth_method: "none",
    ...extra,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-cimd-"));
  const pair = selfSignedCertificate(dir, "cimd.test");
  cert = pair.cert;
  server = createServer({ key: pair.key, cert }, (req, res) => {
    const found = documents[req.url ?? ""];
    if (!found) return void res.writeHead(404).end();
    res.writeHead(found.status ?? 200, { "content-type": "application/json", ...found.headers }).end(found.body);
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const fetcher = () => new HttpsClientDocumentFetcher(resolve, cert);
const problem = (promise: Promise<unknown>) =>
  promise.then(
    () => "fetched",
    (error: ClientDocumentError) => error.problem ?? String(error),
  );

test("a name resolving to a private or loopback address is refused before any connection", async () => {
  documents["/ok.json"] = { body: doc("/ok.json") };
  expect(await problem(fetcher().fetch(url("/ok.json"), { allowPrivateAddresses: false }))).toBe("private_address");
});

test("with private addresses allowed (a lab), a valid document gives its redirect URIs and name, and is cached", async () => {
  documents["/cached.json"] = { body: doc("/cached.json") };
  const f = fetcher();
  expect(await f.fetch(url("/cached.json"), { allowPrivateAddresses: true })).toEqual({
    clientId: url("/cached.json"),
    clientName: "Lab client",
    redirectUris: ["http://127.0.0.1:3333/callback"],
  });
  delete documents["/cached.json"];
  expect((await f.fetch(url("/cached.json"), { allowPrivateAddresses: true })).clientId).toBe(url("/cached.json"));
});

test.each([
  ["a redirect (never followed)", "/redirect.json", { status: 302, body: "", headers: { location: "http://169.254.169.254/latest/meta-data" } }, "unreachable"],
  ["a document larger than 5 KiB", "/large.json", { body: JSON.stringify({ pad: "x".repeat(6000) }) }, "too_large"],
  [
    "a document naming another client_id",
    "/other.json",
    { body: JSON.stringify({ client_id: "https://evil.example/c.json", redirect_uris: ["https://evil.example/cb"] }) },
    "invalid_document",
  ],
  ["a confidential client", "/secret.json", { body: "" }, "invalid_document"],
  ["a redirect URI over plain http to a public host", "/http.json", { body: "" }, "invalid_document"],
  ["not JSON", "/garbage.json", { body: "<html>" }, "invalid_document"],
])("%s is refused", async (_name, path, answer, expected) => {
  documents[path] = answer;
  if (path === "/secret.json") documents[path] = { body: doc(path, { token_endpoint_auth_method: "client_secret_basic", client_secret: "s" }) };
  if (path === "/http.json") documents[path] = { body: doc(path, { redirect_uris: ["http://evil.example/cb"] }) };
  expect(await problem(fetcher().fetch(url(path), { allowPrivateAddresses: true }))).toBe(expected);
});

test("only https documents are fetched", async () => {
  expect(await problem(fetcher().fetch(`http://cimd.test:${port}/ok.json`, { allowPrivateAddresses: true }))).toBe("invalid_document");
});

test("private, loopback, link-local and mapped addresses are recognised; public ones are not", () => {
  for (const address of [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
  ])
    expect([address, isPrivateAddress(address)]).toEqual([address, true]);
  for (const address of ["93.184.216.34", "2606:4700::1111", "8.8.8.8"]) expect([address, isPrivateAddress(address)]).toEqual([address, false]);
});
