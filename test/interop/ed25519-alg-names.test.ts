import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importJWK, type CryptoKey } from "jose";
import * as client from "openid-client";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { EXAMPLE_POLICY, exampleKey, type ExamplePrincipal } from "../support/principals";

// Ed25519 has two JOSE names: RFC 8037's `EdDSA` and RFC 9864's `Ed25519`, which openid-client 6
// puts in its private_key_jwt assertions by default. A key registered under either name verifies both.

let sut: LocksmithUnderTest;
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-ed25519-names-"));
  const policyFile = join(dir, "policy.yaml");
  // support-agent's key registered as `alg: EdDSA`, staging-deploy-agent's as `alg: Ed25519`.
  const text = readFileSync(EXAMPLE_POLICY, "utf8")
    .replace("kid: support-agent-1,", "kid: support-agent-1, alg: EdDSA,")
    .replace("kid: staging-deploy-agent-1,", "kid: staging-deploy-agent-1, alg: Ed25519,");
  expect(text).toContain("alg: EdDSA,");
  expect(text).toContain("alg: Ed25519,");
  writeFileSync(policyFile, text);
  sut = await startLocksmith({ policyFile });
  server = sut.locksmith.http.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await sut?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An openid-client 6 configuration for `id`, its assertions' header seen (and optionally changed) on the way out. */
async function clientOf(id: ExamplePrincipal, headers: string[], remapTo?: string): Promise<client.Configuration> {
  const key = exampleKey(id);
  const privateKey = (await importJWK(key, "EdDSA")) as CryptoKey;
  const toLoopback: client.CustomFetch = (url, options) => fetch(url.replace(TEST_ISSUER, base), options as RequestInit);
  const config = await client.discovery(
    new URL(TEST_ISSUER),
    id,
    {},
    client.PrivateKeyJwt(privateKey, {
      [client.modifyAssertion]: (header) => {
        if (remapTo) header.alg = remapTo;
        header.kid = key.kid;
        headers.push(String(header.alg));
      },
    }),
    { algorithm: "oauth2", [client.customFetch]: toLoopback, execute: [client.allowInsecureRequests] },
  );
  config[client.customFetch] = toLoopback;
  return config;
}

test("a key registered with alg EdDSA verifies openid-client 6's default Ed25519 assertion at /oauth/token", async () => {
  const headers: string[] = [];
  const config = await clientOf("support-agent", headers);
  const tokens = await client.clientCredentialsGrant(config, { scope: "crm:read", resource: "crm:customers/42" });
  expect(headers).toEqual(["Ed25519"]);
  expect(tokens.token_type).toBe("bearer");
  expect(typeof tokens.access_token).toBe("string");
});

test("a key registered with alg Ed25519 verifies an EdDSA assertion at /oauth/token", async () => {
  const headers: string[] = [];
  const config = await clientOf("staging-deploy-agent", headers, "EdDSA");
  const tokens = await client.clientCredentialsGrant(config, { scope: "infra:deploy", resource: "infra:staging/web" });
  expect(headers).toEqual(["EdDSA"]);
  expect(tokens.token_type).toBe("bearer");
});

test("neither name verifies with another algorithm's header: ES256 on an Ed25519 key is refused", async () => {
  const headers: string[] = [];
  const config = await clientOf("support-agent", headers, "ES256");
  await expect(client.clientCredentialsGrant(config, { scope: "crm:read", resource: "crm:customers/42" })).rejects.toMatchObject({
    status: 401,
    cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: "invalid_client" }) })],
  });
  expect(headers).toEqual(["ES256"]);
});
