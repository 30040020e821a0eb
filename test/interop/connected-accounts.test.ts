import { once } from "node:events";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { BrowserContext } from "playwright-core";
import { parse } from "yaml";
import { Locksmith, PermissionDenied } from "@locksmith/client";
import type { StoredAuditEvent } from "../../src/domain/audit/audit-event";
import { corpUserToken } from "../support/corp-user";
import { COMPANY_POLICY, exampleKey } from "../support/principals";
import { freePort } from "../support/private-stores";
import { TEST_KEK } from "../support/upstream-world";
import { newPersonBrowser, SCREENSHOTS, startIdp, startTokenAWorld, type TokenAWorld } from "../support/token-a-world";

// Connected accounts end to end (issue 13 item 2): a stock node-oidc-provider plays the upstream
// (authorization code + PKCE, rotating refresh tokens, JWT access tokens for its API), a tiny API
// verifies those tokens with jose against the provider's JWKS, and the person connects in chromium
// after signing in at Locksmith (the company IdP of Token A).

const CONNECT_SECRET_ENV = "CONNECTED_ACCOUNTS_TEST_CLIENT_SECRET";
const API_RESOURCE = "https://repos.example/api";

let world: TokenAWorld;
let upstreamUrl: string;
let upstream: ChildProcess;
let api: Server;
let apiUrl: string;
let locksmithFor: Locksmith;
/** Every upstream token Locksmith handed out or keeps: none may rest in a log or ledger row. */
const upstreamSecrets = new Set<string>();

beforeAll(async () => {
  const [upstreamPort, apiPort] = await Promise.all([freePort(), freePort()]);
  // localhost, not 127.0.0.1: the browser keeps the two providers' cookies apart (cookies ignore ports).
  upstreamUrl = `http://localhost:${upstreamPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const clientSecret = `upstream-${Math.random().toString(36).slice(2)}`;
  process.env[CONNECT_SECRET_ENV] = clientSecret;
  world = await startTokenAWorld({
    settings: { LOCKSMITH_KEYS_KEK: TEST_KEK, LOCKSMITH_KEYS_KEK_ID: "test-kek" },
    extendBundle: async (bundle, { locksmithUrl, dir }) => {
      upstream = await startIdp(dir, {
        issuer: upstreamUrl,
        port: upstreamPort,
        clients: [
          {
            client_id: "locksmith-upstream",
            client_secret: clientSecret,
            redirect_uris: [`${locksmithUrl}/v1/connections/callback`],
            grant_types: ["authorization_code", "refresh_token"],
          },
        ],
        accounts: {},
        scopes: ["repo", "offline_access"],
        rotateRefreshTokens: true,
        api: { resource: API_RESOURCE, scope: "repo" },
      });
      bundle.upstreams = {
        github: {
          kind: "oauth2",
          environment: "production",
          issuer: upstreamUrl,
          client_id: "locksmith-upstream",
          client_secret_env: CONNECT_SECRET_ENV,
          scopes: { "repo:read": ["repo"] },
          connect_scopes: ["openid", "offline_access"],
          authorization_params: { prompt: "consent" },
        },
      };
      // Agents present people's tokens of the company's token issuer (on_behalf_of).
      bundle.identity_providers.tokens = parse(readFileSync(COMPANY_POLICY, "utf8")).identity_providers.corp;
      bundle.roles["repo-reader"] = { grants: [{ scopes: ["repo:read"], resources: ["github:**"], max_ttl: "5m" }] };
      bundle.agents["support-agent"].roles.push("repo-reader");
    },
  });
  api = await startRepoApi(apiPort);
  locksmithFor = new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: "support-agent", key: exampleKey("support-agent") });
}, 90_000);

afterAll(async () => {
  api?.closeAllConnections();
  await new Promise((done) => api?.close(done));
  upstream?.kill("SIGTERM");
  await world?.close();
});

/** The upstream's API: answers only to a JWT access token of the provider, for this API, with scope `repo`. */
async function startRepoApi(port: number): Promise<Server> {
  const jwks = createRemoteJWKSet(new URL(`${upstreamUrl}/jwks`));
  const server = createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    try {
      const { payload } = await jwtVerify(token ?? "", jwks, { issuer: upstreamUrl, audience: API_RESOURCE });
      if (
        !String(payload.scope ?? "")
          .split(" ")
          .includes("repo")
      )
        throw new Error("scope");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ repo: req.url, for: payload.sub }));
    } catch {
      res.writeHead(401).end();
    }
  }).listen(port, "127.0.0.1");
  await once(server, "listening");
  return server;
}

/** The person's part in chromium: Locksmith's sign-in (company IdP), then the upstream's login and consent, back to Locksmith. */
async function connectInBrowser(context: BrowserContext, person: string, name: string) {
  const page = await context.newPage();
  await page.goto(`${world.locksmithUrl}/v1/connections/github/connect`, { waitUntil: "domcontentloaded" });
  for (let step = 0; step < 8 && !new URL(page.url()).pathname.startsWith("/v1/connections/callback"); step++) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${step}.png`) });
    if (await page.locator('input[name="login"]').count()) {
      await page.fill('input[name="login"]', person);
      await page.fill('input[name="password"]', "any");
    } else if (!(await page.locator('button[type="submit"]').count())) break;
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-done.png`), fullPage: true });
  return { page, landed: new URL(page.url()), text: (await page.locator("main").textContent()) ?? "" };
}

const asPerson = async (person: string) => ({ scope: "repo:read", resource: "github:repos/acme/api", onBehalfOf: await corpUserToken(person, "repo:read") });

async function callApiFor(person: string) {
  return locksmithFor.upstreamToken(await asPerson(person), async (token) => {
    upstreamSecrets.add(token.accessToken);
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(token.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 301_000);
    const res = await fetch(`${apiUrl}/repos/acme/api`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    return { status: res.status, body: res.status === 200 ? await res.json() : undefined };
  });
}

const refusal = (person: string) =>
  callApiFor(person).then(
    () => undefined,
    (error: unknown) => error,
  );

const ledger = (): Promise<StoredAuditEvent[]> => world.sut.locksmith.ledger.page({}, 0n, 100_000);
const sealedRefreshToken = async (person: string) => (await world.sut.locksmith.secrets.reveal("github", `person:${person}`))?.toString("utf8");

describe("connected accounts (kind oauth2)", () => {
  let mary: BrowserContext;

  test("before connecting, an agent acting for mary is refused with connection_required and the URL to visit", async () => {
    const error = await refusal("mary");
    expect(error).toBeInstanceOf(PermissionDenied);
    expect((error as PermissionDenied).reason).toBe("connection_required");
    expect((error as PermissionDenied).message).toContain(`${world.locksmithUrl}/v1/connections/github/connect`);
  });

  test("mary connects in the browser: signed in at Locksmith, consent at the upstream; the refresh token rests sealed under her", async () => {
    mary = await newPersonBrowser(world);
    const { landed, text } = await connectInBrowser(mary, "mary", "connect-mary");
    expect(landed.pathname).toBe("/v1/connections/callback");
    expect(text).toContain("github");
    expect(text).toContain("connected");
    const refreshToken = await sealedRefreshToken("mary");
    expect(refreshToken).toEqual(expect.any(String));
    upstreamSecrets.add(refreshToken!);
    expect((await ledger()).filter((e) => e.type === "connection_made")).toEqual([expect.objectContaining({ user: "mary", actor: "github" })]);

    const list = await mary.request.get(`${world.locksmithUrl}/v1/connections`);
    expect(list.status()).toBe(200);
    const body = await list.json();
    expect(body).toMatchObject({ user: "mary", connections: [{ upstream: "github" }] });
    expect(JSON.stringify(body)).not.toContain(refreshToken);
  }, 60_000);

  test("the agent acting for mary gets a short-lived upstream token and calls the upstream API as mary; the rotated refresh token is sealed again", async () => {
    const before = await sealedRefreshToken("mary");
    expect(await callApiFor("mary")).toEqual({ status: 200, body: { repo: "/repos/acme/api", for: "mary" } });
    const after = await sealedRefreshToken("mary");
    expect(after).toEqual(expect.any(String));
    expect(after).not.toBe(before); // the provider rotates refresh tokens: the old one is dead, the new one kept
    upstreamSecrets.add(after!);
    // Works again with the re-sealed one.
    expect(await callApiFor("mary")).toMatchObject({ status: 200, body: { for: "mary" } });
    const issued = (await ledger()).filter((e) => e.type === "issued" && e.user === "mary" && e.resource === "github:repos/acme/api");
    expect(issued).toHaveLength(2);
    expect(issued[0].detail).toMatchObject({ upstream: "github", upstream_scope: "repo" });
  });

  test("bob, who never connected, is refused: mary's connection is never used for him", async () => {
    const error = await refusal("bob");
    expect(error).toBeInstanceOf(PermissionDenied);
    expect((error as PermissionDenied).reason).toBe("connection_required");
    const bobs = (await ledger()).filter((e) => e.user === "bob");
    expect(bobs.some((e) => e.type === "issued")).toBe(false);
    expect(bobs).toContainEqual(expect.objectContaining({ type: "denied", reason: "connection_required", agent: "support-agent", actor: "github" }));
  });

  test("a forged callback state and an unknown upstream are clear 4xx answers that change nothing", async () => {
    const before = await sealedRefreshToken("mary");
    const forged = await mary.request.get(`${world.locksmithUrl}/v1/connections/callback?state=forged&code=stolen`, { maxRedirects: 0 });
    expect(forged.status()).toBe(400);
    expect(await forged.text()).toContain("unknown, expired or already used");
    const unknown = await mary.request.get(`${world.locksmithUrl}/v1/connections/nope/connect`, { maxRedirects: 0 });
    expect(unknown.status()).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "not_found", error_description: expect.any(String) });
    expect(await sealedRefreshToken("mary")).toBe(before);
    expect((await ledger()).filter((e) => e.type === "connection_made")).toHaveLength(1);
  });

  test("a disconnect without the CSRF token changes nothing; with it, the next request is connection_required", async () => {
    const list = await (await mary.request.get(`${world.locksmithUrl}/v1/connections`)).json();
    const forged = await mary.request.delete(`${world.locksmithUrl}/v1/connections/github`);
    expect(forged.status()).toBe(403);
    expect(await sealedRefreshToken("mary")).toEqual(expect.any(String));

    const res = await mary.request.delete(`${world.locksmithUrl}/v1/connections/github`, { headers: { "x-csrf-token": list.csrf_token } });
    expect(res.status()).toBe(204);
    expect(await sealedRefreshToken("mary")).toBeUndefined();
    expect((await (await mary.request.get(`${world.locksmithUrl}/v1/connections`)).json()).connections).toEqual([]);
    expect((await ledger()).filter((e) => e.type === "connection_removed")).toEqual([expect.objectContaining({ user: "mary", actor: "github" })]);

    const error = await refusal("mary");
    expect((error as PermissionDenied).reason).toBe("connection_required");
    await mary.close();
  });

  test("no upstream access or refresh token rests in a log line or a ledger row", async () => {
    expect(upstreamSecrets.size).toBeGreaterThanOrEqual(4);
    const logs = world.sut.logs.join("\n");
    const rows = JSON.stringify(await ledger(), (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(rows).toContain("connection_made");
    for (const secret of [...upstreamSecrets, process.env[CONNECT_SECRET_ENV]!]) {
      expect(logs).not.toContain(secret);
      expect(rows).not.toContain(secret);
    }
  });
});
