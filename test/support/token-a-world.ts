import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { parse, stringify } from "yaml";
import { createMcpServerApp } from "../../examples/mcp-server";
import type { PrivateJwk } from "@locksmith/client";
import { startLocksmith, type LocksmithUnderTest } from "./locksmith-under-test";
import { EXAMPLE_POLICY } from "./principals";
import { freePort } from "./private-stores";

/** Where screenshots of the browser steps go (gitignored): look at them when a step fails. */
export const SCREENSHOTS = resolve(__dirname, "..", "..", "test-output", "token-a");
export const MCP_CLIENT = "mcp-client";
export const CIMD_PRIVATE = "https://localhost:9/oauth/client.json";
export const LOGIN_SECRET_ENV = "TOKEN_A_TEST_LOGIN_SECRET";

/**
 * People in the company IdP and what they hold: mary may read and write notes; bob may only read;
 * eve holds no CRM entitlement at all.
 */
export const PEOPLE: Record<string, { entitlements: string[] }> = {
  mary: { entitlements: ["crm:read", "crm:note"] },
  bob: { entitlements: ["crm:read"] },
  eve: { entitlements: ["calendar:read"] },
};

export interface TokenAWorld {
  readonly sut: LocksmithUnderTest;
  readonly locksmithUrl: string;
  readonly idpUrl: string;
  /** The MCP endpoint: its resource identifier and audience. */
  readonly mcpUrl: string;
  /** The MCP client's registered redirect URI (a page that just says "done"). */
  readonly redirectUri: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Token A end to end: Locksmith (real Redis + PostgreSQL) listening on its issuer URL, a stock
 * node-oidc-provider as the company IdP (Locksmith is its OIDC client), the example MCP server behind
 * @locksmith/express, the MCP client's redirect page, and Debian's chromium for the person.
 */
export async function startTokenAWorld(
  options: {
    /** More of the world (connected accounts: an upstream provider and API), added to the bundle before Locksmith starts. */
    // biome-ignore lint/suspicious/noExplicitAny: loose JSON of a test fixture
    extendBundle?: (bundle: Record<string, any>, world: { locksmithUrl: string; dir: string }) => Promise<void> | void;
    settings?: Record<string, string>;
  } = {},
): Promise<TokenAWorld> {
  const [locksmithPort, idpPort, mcpPort, clientPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const locksmithUrl = `http://127.0.0.1:${locksmithPort}`;
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
  const redirectUri = `http://127.0.0.1:${clientPort}/callback`;
  const dir = mkdtempSync(join(tmpdir(), "locksmith-token-a-"));
  const loginSecret = `secret-${Math.random().toString(36).slice(2)}`;
  process.env[LOGIN_SECRET_ENV] = loginSecret;

  const idp = await startIdp(dir, {
    issuer: idpUrl,
    port: idpPort,
    clients: [{ client_id: "locksmith", client_secret: loginSecret, redirect_uris: [`${locksmithUrl}/oauth/login/callback`] }],
    accounts: PEOPLE,
  });
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const mcpKey = { ...(await exportJWK(privateKey)), kid: "crm-mcp-1" } as PrivateJwk;
  const policyFile = join(dir, "policy.yaml");
  const bundle = tokenABundle({ idpUrl, mcpUrl, redirectUri, mcpPublicKey: { ...(await exportJWK(publicKey)), kid: "crm-mcp-1" } });
  await options.extendBundle?.(bundle, { locksmithUrl, dir });
  writeFileSync(policyFile, stringify(bundle));

  const sut = await startLocksmith({ policyFile, env: { LOCKSMITH_ISSUER: locksmithUrl }, ...(options.settings ? { settings: options.settings } : {}) });
  const locksmithServer = sut.locksmith.http.listen(locksmithPort, "127.0.0.1");
  const mcp = createMcpServerApp({ locksmith: locksmithUrl, resource: mcpUrl, id: "crm-mcp", key: mcpKey });
  const mcpServer = mcp.app.listen(mcpPort, "127.0.0.1");
  const clientServer = createServer((_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("done")).listen(clientPort, "127.0.0.1");
  await Promise.all([once(locksmithServer, "listening"), once(mcpServer, "listening"), once(clientServer, "listening")]);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    sut,
    locksmithUrl,
    idpUrl,
    mcpUrl,
    redirectUri,
    browser,
    async close() {
      await browser.close();
      for (const server of [locksmithServer, mcpServer, clientServer] as Server[]) {
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
      }
      await mcp.close();
      idp.kill("SIGTERM");
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The example bundle plus Token A: the IdP people sign in at, the MCP server, a role on it, and the MCP client as a public agent. */
function tokenABundle(o: { idpUrl: string; mcpUrl: string; redirectUri: string; mcpPublicKey: object }) {
  const bundle = parse(readFileSync(EXAMPLE_POLICY, "utf8"));
  bundle.identity_providers = {
    corp: {
      issuer: o.idpUrl,
      jwks_uri: `${o.idpUrl}/jwks`,
      audience: "locksmith",
      entitlements_claim: "entitlements",
      algorithms: ["RS256", "ES256", "EdDSA"],
      jwks_cooldown: 0,
      login: { client_id: "locksmith", client_secret_env: LOGIN_SECRET_ENV, scopes: ["entitlements", "groups"] },
    },
  };
  bundle.resource_servers["crm-mcp"] = {
    environment: "production",
    audience: o.mcpUrl,
    resources: [o.mcpUrl],
    auth: { method: "private_key_jwt", jwks: { keys: [o.mcpPublicKey] } },
  };
  bundle.roles["crm-assistant"] = {
    grants: [{ scopes: ["crm:read", "crm:note"], resources: [o.mcpUrl], max_ttl: "5m" }],
    deny: [{ scopes: ["*:delete"], resources: ["**"] }],
  };
  // A metadata-document client whose URL resolves to loopback: refused by the SSRF guard (the bundle does not allow private addresses).
  bundle.client_metadata_documents = { clients: [{ url: CIMD_PRIVATE, environment: "production", roles: ["crm-assistant"] }] };
  bundle.agents[MCP_CLIENT] = { environment: "production", roles: ["crm-assistant"], auth: { method: "none", redirect_uris: [o.redirectUri] } };
  return bundle;
}

/** A stock node-oidc-provider in its own process (test/support/oidc-idp.mjs describes `config`). */
export async function startIdp(dir: string, config: object): Promise<ChildProcess> {
  const file = join(dir, "idp.json");
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [resolve(__dirname, "oidc-idp.mjs"), file], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  await new Promise<void>((done, fail) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("listening") && done());
    child.once("exit", (code) => fail(new Error(`the test IdP exited (${code}): ${stderr}`)));
  });
  return child;
}

/** A person's browser: its own cookies (IdP and Locksmith sessions). */
export async function newPersonBrowser(world: TokenAWorld): Promise<BrowserContext> {
  const context = await world.browser.newContext();
  // Everything of the test world is on loopback http; the IdP's dev pages import web fonts, which would only wait on a network we do not have.
  await context.route(/^https:\/\//, (route) => route.abort());
  return context;
}

/**
 * The person's part, in the real browser: open the authorization URL → sign in at the IdP (its
 * development login page) → allow Locksmith at the IdP → Locksmith's consent page → Allow or Deny.
 * Answers the URL the browser ends on (the client's redirect URI with code, state and iss), and the
 * consent page's text. Screenshots of each page go to test-output/token-a/<name>-*.png.
 */
export async function signInAndConsent(
  context: BrowserContext,
  authorizationUrl: URL | string,
  person: string,
  name: string,
  /** `none`: stop on Locksmith's consent page without answering. */
  decision: "allow" | "deny" | "none" = "allow",
): Promise<{ readonly landed: URL; readonly consentText: string; readonly page: Page }> {
  const page = await context.newPage();
  await page.goto(String(authorizationUrl), { waitUntil: "domcontentloaded" });
  if (await page.locator('input[name="login"]').count()) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-1-idp-login.png`) });
    await page.fill('input[name="login"]', person);
    await page.fill('input[name="password"]', "any");
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  if (await page.locator('input[name="prompt"][value="consent"]').count()) {
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-2-locksmith.png`), fullPage: true });
  const consentText = await page
    .locator("main")
    .textContent()
    .then((t) => t ?? "")
    .catch(() => "");
  if (decision !== "none" && (await page.locator(`button[value="${decision}"]`).count())) {
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/oauth/authorize")), page.click(`button[value="${decision}"]`)]);
  }
  return { landed: new URL(page.url()), consentText, page };
}
