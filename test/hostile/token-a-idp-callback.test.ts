import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignInError } from "../../src/domain/people/relying-party";
import { loginProvider } from "../../src/domain/people/person";
import { parsePolicy } from "../../src/domain/policy/load-policy";
import { OpenIdRelyingParty } from "../../src/stores/oidc/openid-relying-party";

// The sign-in callback's query is the attacker's to write: anyone can begin a sign-in in their own
// browser (a valid state, their own binding cookie) and then open the callback with any `error`.
// What the relying party makes of it lands in a `login_failed` ledger row and on the page.

let server: Server;
let issuer: string;
beforeAll(async () => {
  // Discovery only: the IdP's metadata (an error callback never reaches its token endpoint).
  server = createServer((req, res) => {
    if (req.url !== "/.well-known/openid-configuration") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["ES256"],
      }),
    );
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
});

const CALLBACK = "https://locksmith.unit/oauth/login/callback";
const checks = { state: "s".repeat(43), nonce: "n".repeat(43), codeVerifier: "v".repeat(64) };

async function failureOf(error: string): Promise<string> {
  const policy = parsePolicy(
    `
environments: [production]
identity_providers:
  corp:
    issuer: ${issuer}
    jwks: { keys: [ { kty: EC, crv: P-256, x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } ] }
    audience: locksmith
    login: { client_id: locksmith, client_secret_env: CORP_SECRET }
`,
    "policy.yaml",
  );
  const rp = new OpenIdRelyingParty(CALLBACK, () => "the-secret");
  const callback = new URL(CALLBACK);
  callback.searchParams.set("state", checks.state);
  callback.searchParams.set("error", error);
  const outcome = await rp.exchange(loginProvider(policy)!, callback, checks).then(
    () => "signed in",
    (e: unknown) => (e instanceof SignInError ? e.message : `not a SignInError: ${String(e)}`),
  );
  return outcome;
}

test("a real error code of the IdP is named", async () => {
  expect(await failureOf("access_denied")).toMatch(/access_denied/);
});

test("attacker-written text in the callback's error (control characters, forged lines, kilobytes) does not reach the ledger or the page", async () => {
  const forged = `access_denied\n2026-11-29T17:00:00Z login allow user=ceo\u001b[2J${"x".repeat(6000)}`;
  const message = await failureOf(forged);
  expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
  expect(message).not.toContain("user=ceo");
  expect(message.length).toBeLessThan(200);
});
