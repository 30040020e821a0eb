import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import type { BrowserContext } from "playwright-core";
import type { AuditEventType, StoredAuditEvent } from "../../src/domain/audit/audit-event";
import { CIMD_PRIVATE, MCP_CLIENT, newPersonBrowser, signInAndConsent, startTokenAWorld, type TokenAWorld } from "../support/token-a-world";

// Token A under attack (RFC 9700, OAuth 2.1 §7, RFC 9207): each attempt is refused with a clear
// error, never redirects anywhere it should not, and leaves a ledger row.

let world: TokenAWorld;
let mary: BrowserContext;
beforeAll(async () => {
  world = await startTokenAWorld();
  mary = await newPersonBrowser(world);
}, 60_000);
afterAll(async () => {
  await mary?.close();
  await world?.close();
});

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

function authorizeUrl(overrides: Record<string, string | undefined> = {}, challenge = pkce().challenge): URL {
  const url = new URL(`${world.locksmithUrl}/oauth/authorize`);
  const params: Record<string, string | undefined> = {
    response_type: "code",
    client_id: MCP_CLIENT,
    redirect_uri: world.redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s-1",
    scope: "crm:read",
    resource: world.mcpUrl,
    ...overrides,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/** A fresh code for mary (her browser signs in once, then only consents) and the verifier it is bound to. */
async function freshCode(): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const { landed, page } = await signInAndConsent(mary, authorizeUrl({}, challenge), "mary", "hostile");
  await page.close();
  return { code: landed.searchParams.get("code")!, verifier };
}

const token = (params: Record<string, string | undefined>) =>
  fetch(`${world.locksmithUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(
      Object.entries({ grant_type: "authorization_code", client_id: MCP_CLIENT, redirect_uri: world.redirectUri, resource: world.mcpUrl, ...params }).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    ),
  });

const events = async (type: string): Promise<StoredAuditEvent[]> => world.sut.locksmith.ledger.page({ type: type as AuditEventType }, 0n, 10_000);
const noRedirect = (res: Response) => expect(res.headers.get("location")).toBeNull();

describe("the code and PKCE", () => {
  test("a wrong code_verifier is refused (invalid_grant) and spends the code", async () => {
    const { code, verifier } = await freshCode();
    const wrong = await token({ code, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/code_verifier/) });
    expect((await token({ code, code_verifier: verifier })).status).toBe(400);
    expect((await events("code_rejected")).map((e) => e.reason)).toEqual(expect.arrayContaining(["pkce_failed", "code_replayed"]));
  }, 60_000);

  test("a missing code_verifier is refused", async () => {
    const { code } = await freshCode();
    const res = await token({ code });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  }, 60_000);

  test("a replayed code is refused and revokes the tokens issued from it", async () => {
    const { code, verifier } = await freshCode();
    const first = await token({ code, code_verifier: verifier });
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    const replay = await token({ code, code_verifier: verifier });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });
    const call = await fetch(world.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${tokens.access_token}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(call.status).toBe(401);
    const refresh = await fetch(`${world.locksmithUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: MCP_CLIENT }),
    });
    expect(refresh.status).toBe(400);
    const replayed = (await events("code_rejected")).find((e) => e.reason === "code_replayed" && e.detail?.tokens_revoked === 1);
    expect(replayed).toMatchObject({ user: "mary", agent: MCP_CLIENT, resource: world.mcpUrl });
    expect(decodeJwt(tokens.access_token).sub).toBe("mary");
  }, 60_000);

  test("a code is bound to its client and redirect URI", async () => {
    const { code, verifier } = await freshCode();
    const otherRedirect = await token({ code, code_verifier: verifier, redirect_uri: `${world.redirectUri}/other` });
    expect(await otherRedirect.json()).toMatchObject({ error: "invalid_grant" });
    const unknownClient = await token({ code, code_verifier: verifier, client_id: "support-agent" });
    expect(unknownClient.status).toBe(401);
    expect(await unknownClient.json()).toMatchObject({ error: "invalid_client" });
  }, 60_000);

  test("plain PKCE and a missing challenge are refused back to the client, with iss", async () => {
    for (const overrides of [{ code_challenge_method: "plain" }, { code_challenge: undefined, code_challenge_method: undefined }]) {
      const res = await fetch(authorizeUrl(overrides), { redirect: "manual" });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(world.redirectUri);
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("iss")).toBe(world.locksmithUrl);
      expect(location.searchParams.get("state")).toBe("s-1");
    }
  });
});

describe("redirects", () => {
  test("a redirect URI the client did not register gets a page, never a redirect to it", async () => {
    for (const redirect of [
      "https://evil.example/cb",
      `${world.redirectUri}/../evil`,
      `${world.redirectUri}?next=https://evil.example`,
      `${world.redirectUri}.evil.example`,
      world.redirectUri.replace("127.0.0.1", "localhost"),
    ]) {
      const res = await fetch(authorizeUrl({ redirect_uri: redirect }), { redirect: "manual" });
      expect(res.status).toBe(400);
      noRedirect(res);
      expect(await res.text()).toMatch(/redirect_uri is not one the client registered/);
    }
    expect((await events("authorization_refused")).filter((e) => e.reason === "unregistered_redirect_uri").length).toBeGreaterThanOrEqual(5);
  });

  test("an unknown client gets a page, even with a redirect URI that would be fine", async () => {
    const res = await fetch(authorizeUrl({ client_id: "https://evil.example/client.json" }), { redirect: "manual" });
    expect(res.status).toBe(400);
    noRedirect(res);
    expect((await events("authorization_refused")).some((e) => e.reason === "unknown_client")).toBe(true);
  });

  test("the sign-in callback never redirects on a forged or replayed state (no open redirect through returnTo)", async () => {
    const res = await fetch(`${world.locksmithUrl}/oauth/login/callback?code=x&state=${encodeURIComponent("/\\evil.example")}`, { redirect: "manual" });
    expect(res.status).toBe(400);
    noRedirect(res);
    expect((await events("login_failed")).some((e) => e.reason === "login_state_unknown")).toBe(true);
  });
});

describe("mix-up and CSRF", () => {
  test("an IdP response whose iss is another issuer's (mix-up, RFC 9207) is refused and recorded", async () => {
    const start = await fetch(authorizeUrl(), { redirect: "manual" });
    expect(start.status).toBe(303);
    const toIdp = new URL(start.headers.get("location")!);
    expect(toIdp.origin).toBe(world.idpUrl);
    const state = toIdp.searchParams.get("state")!;
    const binding = start.headers.get("set-cookie")!.split(";")[0];
    expect(binding).toMatch(/^locksmith_login=/);
    const res = await fetch(`${world.locksmithUrl}/oauth/login/callback?code=stolen&state=${state}&iss=${encodeURIComponent("https://evil.example")}`, {
      redirect: "manual",
      headers: { cookie: binding },
    });
    expect(res.status).toBe(400);
    noRedirect(res);
    expect(res.headers.get("set-cookie")).toBeNull();
    const failed = (await events("login_failed")).find((e) => e.reason === "invalid_id_token" && e.agent === MCP_CLIENT);
    expect(String(failed?.detail?.error)).toMatch(/iss|issuer|ISS/i);
  });

  test("a login callback carried into another browser (login CSRF) opens no session there", async () => {
    // The attacker begins a sign-in in their own browser, then makes the victim's browser finish it.
    const start = await fetch(authorizeUrl(), { redirect: "manual" });
    const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
    const victim = await newPersonBrowser(world);
    const page = await victim.newPage();
    const res = await page.goto(`${world.locksmithUrl}/oauth/login/callback?code=attackers-code&state=${state}`);
    expect(res!.status()).toBe(400);
    expect(await page.locator("main").textContent()).toMatch(/started in another browser/);
    expect((await victim.cookies()).some((c) => c.name === "locksmith_session")).toBe(false);
    expect((await events("login_failed")).some((e) => e.reason === "login_not_this_browser" && e.agent === MCP_CLIENT)).toBe(true);
    await victim.close();
  }, 60_000);

  test("a consent post without the session's CSRF token, or from another site, grants nothing", async () => {
    const { page } = await signInAndConsent(mary, authorizeUrl(), "mary", "csrf", "none");
    const consent = await page.locator('input[name="consent"]').getAttribute("value");
    const csrf = await page.locator('input[name="csrf_token"]').getAttribute("value");
    expect(consent && csrf).toBeTruthy();
    // With mary's cookie but a forged token; then a cross-site post (no cookie) with the real fields.
    const forged = await mary.request.post(`${world.locksmithUrl}/oauth/authorize/consent`, {
      form: { consent: consent!, csrf_token: "forged", decision: "allow" },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(forged.headers()["location"]).toBeUndefined();
    const crossSite = await fetch(`${world.locksmithUrl}/oauth/authorize/consent`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ consent: consent!, csrf_token: csrf!, decision: "allow" }),
    });
    expect(crossSite.status).toBe(403);
    noRedirect(crossSite);
    expect((await events("consent_denied")).filter((e) => e.reason === "consent_csrf").length).toBeGreaterThanOrEqual(2);
    // The real form still works once: the forged posts spent nothing.
    await Promise.all([page.waitForURL((url) => url.pathname === "/callback"), page.click('button[value="allow"]')]);
    expect(new URL(page.url()).searchParams.get("code")).toBeTruthy();
    await page.close();
  }, 60_000);

  test("the consent page cannot be framed and runs no script", async () => {
    const { page } = await signInAndConsent(mary, authorizeUrl(), "mary", "headers", "none");
    const response = await page.reload();
    const csp = response!.headers()["content-security-policy"];
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/script-src 'none'/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(response!.headers()["x-frame-options"]).toBe("DENY");
    await page.close();
  }, 60_000);
});

describe("client metadata documents", () => {
  test("a metadata document URL that resolves to a private address is never fetched", async () => {
    const res = await fetch(authorizeUrl({ client_id: CIMD_PRIVATE }), { redirect: "manual" });
    expect(res.status).toBe(400);
    noRedirect(res);
    expect(await res.text()).toMatch(/private or loopback address/);
    expect((await events("authorization_refused")).some((e) => e.reason === "client_document_private_address" && e.agent === CIMD_PRIVATE)).toBe(true);
  });
});
