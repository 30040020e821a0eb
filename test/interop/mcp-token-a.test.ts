import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import { join } from "node:path";
import type { StoredAuditEvent } from "../../src/domain/audit/audit-event";
import { InMemoryOAuthClientProvider } from "../support/mcp-oauth-provider";
import { redisEntries } from "../support/redis-inspection";
import { assertionFor } from "../support/principals";
import { LOGIN_SECRET_ENV, MCP_CLIENT, newPersonBrowser, SCREENSHOTS, signInAndConsent, startTokenAWorld, type TokenAWorld } from "../support/token-a-world";

// Token A for people, end to end with unmodified software on every other side: the MCP SDK's Client
// with StreamableHTTPClientTransport and an OAuthClientProvider, the example MCP server behind
// @locksmith/express, node-oidc-provider as the company IdP, and chromium for the person.

let world: TokenAWorld;
beforeAll(async () => {
  world = await startTokenAWorld();
}, 60_000);
afterAll(() => world?.close());

/** Every secret the flows handed out (codes, tokens, session cookies): none may rest in a log, a ledger row or Redis. */
const handedOut = new Set<string>();

/** An MCP client session: the SDK discovers Locksmith from the server's 401, the person signs in and consents in the browser. */
async function connectAs(person: string, name: string, decision: "allow" | "deny" = "allow") {
  const provider = new InMemoryOAuthClientProvider(MCP_CLIENT, world.redirectUri);
  const first = new Client({ name: "test-mcp-client", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(world.mcpUrl), { authProvider: provider });
  await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
  const context = await newPersonBrowser(world);
  const consent = await signInAndConsent(context, provider.authorizationUrl!, person, name, decision);
  const code = consent.landed.searchParams.get("code");
  if (code) handedOut.add(code);
  for (const cookie of await context.cookies(world.locksmithUrl)) if (cookie.name === "locksmith_session") handedOut.add(cookie.value);
  return { provider, transport, context, consent };
}

async function finish(session: Awaited<ReturnType<typeof connectAs>>) {
  await session.transport.finishAuth(session.consent.landed.searchParams.get("code")!);
  const client = new Client({ name: "test-mcp-client", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(world.mcpUrl), { authProvider: session.provider }));
  const tokens = session.provider.tokens()!;
  handedOut.add(tokens.access_token).add(tokens.refresh_token!);
  return client;
}

const ledger = async (user: string): Promise<StoredAuditEvent[]> => world.sut.locksmith.ledger.page({ user }, 0n, 100_000);
const types = (events: StoredAuditEvent[]) => events.map((e) => e.type);
const textOf = (result: unknown) => JSON.parse((result as { content: { text: string }[] }).content[0].text);

async function refresh(refreshToken: string) {
  return fetch(`${world.locksmithUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: MCP_CLIENT, resource: world.mcpUrl }),
  });
}

async function admin(path: string, body: object) {
  return fetch(`${world.locksmithUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await assertionFor("security-oncall", world.locksmithUrl)}` },
    body: JSON.stringify(body),
  });
}

describe("an unmodified MCP client signs a person in through Locksmith", () => {
  test("mary signs in at the IdP, consents, and the client lists tools and calls one: sub = mary, act.sub = the client, aud = the MCP server", async () => {
    const session = await connectAs("mary", "mary");
    expect(session.consent.consentText).toMatch(/Allow access\?/);
    expect(session.consent.consentText).toMatch(/mcp-client/);
    expect(session.consent.consentText).toMatch(/mary/);
    expect(session.consent.consentText).toMatch(/crm-mcp/);
    expect(session.consent.consentText).toMatch(/crm:read[\s\S]*crm:note/);
    const landed = session.consent.landed;
    expect(`${landed.origin}${landed.pathname}`).toBe(world.redirectUri);
    expect(landed.searchParams.get("iss")).toBe(world.locksmithUrl);
    expect(landed.searchParams.get("state")).toBe(session.provider.authorizationUrl!.searchParams.get("state"));

    const client = await finish(session);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["add_note", "read_customer"]);
    expect(textOf(await client.callTool({ name: "read_customer", arguments: { id: "42" } }))).toEqual({
      id: "42",
      name: "Ada Lovelace",
      read_for: "mary",
      through: MCP_CLIENT,
    });

    const tokens = session.provider.tokens()!;
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: world.locksmithUrl,
      sub: "mary",
      act: { sub: MCP_CLIENT },
      client_id: MCP_CLIENT,
      aud: world.mcpUrl,
      scope: "crm:read crm:note",
    });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(tokens.refresh_token).toBeDefined();

    const events = await ledger("mary");
    expect(types(events)).toEqual(
      expect.arrayContaining(["authorization_requested", "login", "consent_given", "code_issued", "issued", "code_redeemed", "redeemed"]),
    );
    for (const event of events.filter((e) => e.type !== "login")) expect(event).toMatchObject({ user: "mary", agent: MCP_CLIENT, resource: world.mcpUrl });
    expect(events.find((e) => e.type === "login")).toMatchObject({ agent: MCP_CLIENT, resource: world.mcpUrl, detail: { identity_provider: "corp" } });
    await client.close();
    await session.context.close();
  }, 60_000);

  test("bob, who lacks crm:note, is offered only crm:read; a tool needing crm:note gives insufficient_scope naming it", async () => {
    const session = await connectAs("bob", "bob");
    expect(session.consent.consentText).toMatch(/Not on offer[\s\S]*crm:note: you do not hold it yourself/);
    const client = await finish(session);
    expect(decodeJwt(session.provider.tokens()!.access_token)).toMatchObject({ sub: "bob", scope: "crm:read" });
    expect(textOf(await client.callTool({ name: "read_customer", arguments: { id: "7" } }))).toMatchObject({ read_for: "bob" });
    // The SDK steps up once (refresh: still only crm:read) and then gives up with the 403.
    await expect(client.callTool({ name: "add_note", arguments: { id: "7", note: "hi" } })).rejects.toThrow(/403/);
    const raw = await fetch(world.mcpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${session.provider.tokens()!.access_token}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add_note", arguments: { id: "7", note: "hi" } } }),
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get("www-authenticate")).toMatch(/error="insufficient_scope".*scope="crm:note"/);
    expect(raw.headers.get("www-authenticate")).not.toMatch(/scope="crm:read/);
    await client.close();
    await session.context.close();
  }, 60_000);

  test("eve, who holds none of the scopes, gets a clear refusal and no code", async () => {
    const session = await connectAs("eve", "eve");
    expect(session.consent.consentText).toMatch(/Nothing to allow/);
    expect(session.consent.consentText).toMatch(/you hold none of the permissions/);
    expect(session.consent.landed.pathname).toBe("/oauth/authorize");
    expect(await ledger("eve")).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "consent_denied", reason: "nothing_on_offer", agent: MCP_CLIENT })]),
    );
    expect(types(await ledger("eve"))).not.toContain("code_issued");
    await session.context.close();
  }, 60_000);

  test("a person who presses Deny sends the client access_denied, with iss, and no code", async () => {
    const session = await connectAs("mary", "mary-deny", "deny");
    expect(session.consent.landed.searchParams.get("error")).toBe("access_denied");
    expect(session.consent.landed.searchParams.get("code")).toBeNull();
    expect(session.consent.landed.searchParams.get("iss")).toBe(world.locksmithUrl);
    expect((await ledger("mary")).some((e) => e.type === "consent_denied" && e.reason === "person_denied")).toBe(true);
    await session.context.close();
  }, 60_000);
});

describe("refresh stops when it must", () => {
  test("withdrawing consent on the person's page revokes the token and stops the next refresh; the client is sent back to sign in", async () => {
    const session = await connectAs("mary", "withdraw");
    const client = await finish(session);
    await client.callTool({ name: "read_customer", arguments: { id: "1" } });
    const page = await session.context.newPage();
    await page.goto(`${world.locksmithUrl}/oauth/consents`);
    await page.screenshot({ path: join(SCREENSHOTS, "withdraw-consents.png"), fullPage: true });
    const grant = decodeJwt(session.provider.tokens()!.access_token).jti;
    expect(grant).toBeDefined();
    const before = session.provider.redirects;
    await Promise.all([page.waitForNavigation(), page.locator("li", { hasText: MCP_CLIENT }).first().locator("button").click()]);
    expect(await page.locator("main").textContent()).toMatch(/Consent withdrawn/);
    await expect(client.callTool({ name: "read_customer", arguments: { id: "1" } })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(session.provider.redirects).toBe(before + 1);
    const events = await ledger("mary");
    expect(types(events)).toEqual(expect.arrayContaining(["consent_withdrawn", "refresh_rejected"]));
    expect(events.find((e) => e.type === "refresh_rejected")).toMatchObject({ reason: "grant_revoked", agent: MCP_CLIENT, resource: world.mcpUrl });
    await session.context.close();
  }, 60_000);

  test("a refresh token rotates on use; reusing the old one revokes the whole family and its access token", async () => {
    const session = await connectAs("bob", "reuse");
    await finish(session);
    const first = session.provider.tokens()!;
    const rotated = await refresh(first.refresh_token!);
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refresh_token: string; access_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const reused = await refresh(first.refresh_token!);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: "invalid_grant" });
    expect((await refresh(second.refresh_token)).status).toBe(400);
    // The newest access token is dead too: the MCP server's redemption refuses it.
    const call = await fetch(world.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${second.access_token}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(call.status).toBe(401);
    expect((await ledger("bob")).some((e) => e.type === "refresh_reuse_detected" && e.agent === MCP_CLIENT && e.resource === world.mcpUrl)).toBe(true);
    await session.context.close();
  }, 60_000);

  test.each([
    ["the user kill switch", (person: string) => admin("/v1/revocations", { user: person }), "grant_revoked"],
    ["the agent kill switch", () => admin("/v1/revocations", { agent: MCP_CLIENT }), "grant_revoked"],
    ["the environment kill switch", () => admin("/v1/revocations", { environment: "production" }), "grant_revoked"],
    ["suspending the agent", () => admin(`/v1/agents/${MCP_CLIENT}/suspend`, { reason: "test" }), "agent_suspended"],
  ])(
    "%s stops the next refresh, and the ledger says why",
    async (_name, kill, reason) => {
      const session = await connectAs("mary", `kill-${reason}`);
      await finish(session);
      const killed = await kill("mary");
      expect(killed.status).toBe(200);
      const answer = await refresh(session.provider.tokens()!.refresh_token!);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: "invalid_grant" });
      const rejected = (await ledger("mary")).filter((e) => e.type === "refresh_rejected").at(-1);
      expect(rejected).toMatchObject({ reason, agent: MCP_CLIENT, resource: world.mcpUrl });
      if (reason === "agent_suspended") expect((await admin(`/v1/agents/${MCP_CLIENT}/resume`, {})).status).toBe(200);
      await session.context.close();
    },
    60_000,
  );
});

describe("secrets hygiene of Token A", () => {
  test("no code, access or refresh token, session cookie or IdP client secret is in a log line, a ledger row or Redis", async () => {
    expect(handedOut.size).toBeGreaterThanOrEqual(4);
    const secrets = [...handedOut, process.env[LOGIN_SECRET_ENV]!];
    // A refresh token is <grant id>.<secret>: the grant id is meant to be seen (ledger, consents page), the secret never.
    const needles = secrets.map((secret) => (/^[0-9a-f-]{36}\./.test(secret) ? secret.split(".")[1] : secret));
    const logs = world.sut.logs.join("\n");
    const rows = JSON.stringify(await world.sut.locksmith.ledger.page({}, 0n, 100_000), (_k, v) => (typeof v === "bigint" ? String(v) : v));
    const redis = JSON.stringify(await redisEntries(world.sut.redisPrefix));
    expect(redis).toContain("grant:");
    for (const needle of needles) {
      expect(logs).not.toContain(needle);
      expect(rows).not.toContain(needle);
      expect(redis).not.toContain(needle);
    }
  });
});
