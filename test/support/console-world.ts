import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import request from "supertest";
import { parse, stringify } from "yaml";
import { startLocksmith, type LocksmithUnderTest } from "./locksmith-under-test";
import { assertionFor, COMPANY_POLICY, EXAMPLE_POLICY, type ExamplePrincipal } from "./principals";
import { freePort } from "./private-stores";
import { startIdp } from "./token-a-world";

/** Where screenshots of the console go (gitignored, like test-output/token-a): one per page a test visits. */
export const CONSOLE_SCREENSHOTS = resolve(__dirname, "..", "..", "test-output", "console");
export const CONSOLE_LOGIN_SECRET_ENV = "CONSOLE_TEST_LOGIN_SECRET";

/**
 * The company's people, by IdP login, and their groups (the IdP's `groups` claim): ana audits (security),
 * sam and sri are SREs (the approvers of billing:void, two needed), adi runs the platform (console
 * admin), otto is in no console group at all.
 */
export const CONSOLE_PEOPLE = {
  ana: { groups: ["security"], entitlements: ["billing:read"] },
  sam: { groups: ["sre"], entitlements: ["billing:read", "billing:void"] },
  sri: { groups: ["sre"], entitlements: ["billing:read", "billing:void"] },
  adi: { groups: ["platform"], entitlements: ["billing:read"] },
  otto: { groups: ["marketing"], entitlements: ["billing:read"] },
} as const;
export type ConsolePerson = keyof typeof CONSOLE_PEOPLE;

export interface ConsoleWorld {
  readonly sut: LocksmithUnderTest;
  /** Locksmith's issuer URL, where it listens (loopback http). */
  readonly locksmithUrl: string;
  readonly idpUrl: string;
  /** The bundle file Locksmith loaded (a test may rewrite it and call `sut.locksmith.reloadPolicy`). */
  readonly policyFile: string;
  readonly browser: Browser;
  /** A new browser (its own cookies) for one person; closed with the world. */
  newBrowser(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * The console end to end: Locksmith in production mode (its own PostgreSQL database and Redis key
 * prefix on the shared test services) listening on its issuer URL, the company bundle
 * (examples/company-policy.yaml: billing-agent's void needs two SREs) with the test IdP as the corp
 * provider people sign in at, the `console:` groups of the example and the security-auditor principal
 * (for the audit API), a stock node-oidc-provider as that IdP, and Debian's chromium.
 */
export async function startConsoleWorld(options: { readonly settings?: Record<string, string> } = {}): Promise<ConsoleWorld> {
  const [locksmithPort, idpPort] = await Promise.all([freePort(), freePort()]);
  const locksmithUrl = `http://127.0.0.1:${locksmithPort}`;
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  const dir = mkdtempSync(join(tmpdir(), "locksmith-console-"));
  const loginSecret = `secret-${Math.random().toString(36).slice(2)}`;
  process.env[CONSOLE_LOGIN_SECRET_ENV] = loginSecret;

  const idp: ChildProcess = await startIdp(dir, {
    issuer: idpUrl,
    port: idpPort,
    clients: [{ client_id: "locksmith", client_secret: loginSecret, redirect_uris: [`${locksmithUrl}/oauth/login/callback`] }],
    accounts: CONSOLE_PEOPLE,
  });
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, stringify(consoleBundle(idpUrl)));
  const sut = await startLocksmith({ policyFile, env: { LOCKSMITH_ISSUER: locksmithUrl, ...options.settings } });
  const server = sut.locksmith.http.listen(locksmithPort, "127.0.0.1");
  await once(server, "listening");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  mkdirSync(CONSOLE_SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    sut,
    locksmithUrl,
    idpUrl,
    policyFile,
    browser,
    async newBrowser() {
      const context = await browser.newContext({ baseURL: locksmithUrl });
      // Everything here is loopback http; the IdP's dev pages import web fonts, which would only wait on a network we do not have.
      await context.route(/^https:\/\//, (route) => route.abort());
      contexts.push(context);
      return context;
    },
    async close() {
      await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
      await browser.close();
      server.closeAllConnections();
      await new Promise((done) => (server as Server).close(done));
      idp.kill("SIGTERM");
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** examples/company-policy.yaml with the test IdP as `corp` (people sign in there) and the example auditor principal. */
// biome-ignore lint/suspicious/noExplicitAny: loose JSON of a test fixture
function consoleBundle(idpUrl: string): Record<string, any> {
  const bundle = parse(readFileSync(COMPANY_POLICY, "utf8"));
  bundle.identity_providers.corp = {
    issuer: idpUrl,
    jwks_uri: `${idpUrl}/jwks`,
    audience: "locksmith",
    entitlements_claim: "entitlements",
    groups_claim: "groups",
    algorithms: ["RS256", "ES256", "EdDSA"],
    jwks_cooldown: 0,
    login: { client_id: "locksmith", client_secret_env: CONSOLE_LOGIN_SECRET_ENV, scopes: ["entitlements", "groups"] },
  };
  bundle.auditors = parse(readFileSync(EXAMPLE_POLICY, "utf8")).auditors;
  return bundle;
}

/**
 * Signs `person` in through the real IdP login page, in `context`, starting from `path` of the console
 * (default /console): Locksmith sends the browser to the IdP, the person types their login, allows
 * Locksmith at the IdP, and lands back on the console page. Answers that page.
 */
export async function signInAs(context: BrowserContext, person: ConsolePerson | string, path = "/console"): Promise<Page> {
  const page = await context.newPage();
  await page.goto(path, { waitUntil: "domcontentloaded" });
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', person);
    await page.fill('input[name="password"]', "any");
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  if (await page.locator('input[name="prompt"][value="consent"]').count()) {
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  return page;
}

/** A full-page screenshot of the console page, as test-output/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(CONSOLE_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** What a seeded run left: every secret that went over the wire (for hygiene checks) and the credentials it made. */
export interface SeededRun {
  /** Assertions, credentials and the login client secret: none may ever be on a console page. */
  readonly secrets: string[];
  /** support-agent's credential that was issued, redeemed and revoked. */
  readonly tracedJti: string;
  /** Hostile text an agent wrote into the ledger (its `reason`), which pages must show as text. */
  readonly hostileReason: string;
}

/** `Authorization: Bearer <fresh assertion>` of an example principal, for this world's issuer. */
export async function bearer(world: ConsoleWorld, id: ExamplePrincipal, secrets?: string[]): Promise<Record<string, string>> {
  const assertion = await assertionFor(id, world.locksmithUrl);
  secrets?.push(assertion);
  return { authorization: `Bearer ${assertion}` };
}

/**
 * A small, known run through the API: support-agent gets a credential (with hostile text as its reason)
 * that crm-prod redeems and the agent revokes, is denied a delete and an ungranted resource; billing-agent
 * reads an invoice and is denied a delete. Then a checkpoint is signed, so every event has a proof.
 */
export async function seedRun(world: ConsoleWorld): Promise<SeededRun> {
  const secrets = [process.env[CONSOLE_LOGIN_SECRET_ENV]!];
  const api = request(world.locksmithUrl);
  const hostileReason = `<img src=x onerror="document.title='xss'"><script>document.title='xss'</script>"'\`&amp;`;
  const issue = async (agent: ExamplePrincipal, body: object, status: number) => {
    const res = await api
      .post("/v1/credentials")
      .set(await bearer(world, agent, secrets))
      .send(body);
    if (res.status !== status) throw new Error(`${agent} ${JSON.stringify(body)}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    if (typeof res.body.credential === "string") secrets.push(res.body.credential);
    return res.body as { credential: string; jti: string };
  };
  const traced = await issue("support-agent", { scope: "crm:read", resource: "crm:customers/42", reason: hostileReason }, 201);
  const redeemed = await api
    .post("/v1/credentials/redeem")
    .set(await bearer(world, "crm-prod", secrets))
    .send({ credential: traced.credential });
  if (redeemed.body.active !== true) throw new Error(`redeem: ${JSON.stringify(redeemed.body)}`);
  const revoked = await api.delete(`/v1/credentials/${traced.jti}`).set(await bearer(world, "support-agent", secrets));
  if (revoked.status !== 204) throw new Error(`revoke: ${revoked.status}`);
  await issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" }, 403);
  await issue("support-agent", { scope: "crm:read", resource: "crm:orders/1" }, 403);
  await issue("billing-agent", { scope: "billing:read", resource: "billing:invoices/7" }, 201);
  await issue("billing-agent", { scope: "billing:delete", resource: "billing:invoices/7" }, 403);
  await world.sut.locksmith.checkpoint();
  return { secrets, tracedJti: traced.jti, hostileReason };
}

/** Every private key of examples/keys (the `d` of each JWK): never on a page. */
export function examplePrivateKeys(): string[] {
  const dir = resolve(__dirname, "..", "..", "examples", "keys");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".jwk.json"))
    .map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")).d as string)
    .filter(Boolean);
}
