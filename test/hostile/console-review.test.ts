import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import request from "supertest";
import { parse, stringify } from "yaml";
import { signInWithDeviceFlow } from "../../src/cli/approver-sign-in";
import { signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";

// An attacker's review of the console's neighbour, `locksmith approvals` signing a person in with the
// device flow (RFC 8628; RFC 9700 §4, RFC 8414 §3.3, RFC 8725): what the CLI trusts of the metadata,
// the IdP's discovery and the token it gets, and what of the IdP's answers reaches the person's terminal.

jest.setTimeout(120_000);

/** A fake Locksmith + identity provider on one loopback port; `answer` decides each reply. */
interface Fake {
  url: string;
  hits: string[];
  close(): Promise<void>;
}
type Answer = (path: string, url: string) => Record<string, unknown> | undefined;

async function fake(answer: Answer): Promise<Fake> {
  const hits: string[] = [];
  let url = "";
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", url).pathname;
    hits.push(`${req.method} ${path}`);
    req.resume();
    req.on("end", () => {
      const body = answer(path, url);
      res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? { error: "not_found" }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise((done) => server.close(() => done())) };
}

const unsigned = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("k".repeat(32)));

/** The honest answers, each of which a test may replace. */
function idpAnswers(overrides: { discovery?: (url: string) => Record<string, unknown>; device?: Record<string, unknown>; token?: () => Promise<string> } = {}) {
  let token = "";
  const answer: Answer = (path, url) => {
    if (path === "/.well-known/oauth-authorization-server")
      return { issuer: url, approver_sign_in: [{ issuer: `${url}/idp`, client_id: "cli", scopes: ["openid"], audience: "cli" }] };
    if (path === "/idp/.well-known/openid-configuration")
      return (overrides.discovery ?? ((u) => ({ issuer: `${u}/idp`, device_authorization_endpoint: `${u}/idp/device`, token_endpoint: `${u}/idp/token` })))(
        url,
      );
    if (path === "/idp/device")
      return { device_code: "dc", user_code: "ABCD-EFGH", verification_uri: `${url}/idp/verify`, interval: 0.01, ...overrides.device };
    if (path === "/idp/token") return { id_token: token, token_type: "Bearer" };
    return undefined;
  };
  return {
    answer,
    setToken: (t: string) => {
      token = t;
    },
  };
}

/** Runs the device flow; `die` (process.exit) becomes a thrown error; what the person sees is collected. */
async function deviceFlow(url: string): Promise<{ token?: string; died?: string; said: string[] }> {
  const said: string[] = [];
  const exit = jest.spyOn(process, "exit").mockImplementation(() => {
    throw new Error("exit");
  });
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    said.push(String(chunk));
    return true;
  });
  try {
    const token = await signInWithDeviceFlow(url, undefined, (line) => void said.push(line));
    return { token, said };
  } catch (error) {
    if ((error as Error).message !== "exit") throw error;
    return { died: said.find((line) => line.startsWith("locksmith: ")), said };
  } finally {
    exit.mockRestore();
    stderr.mockRestore();
  }
}

describe("the approvals CLI's device flow trusts only the identity provider Locksmith names", () => {
  test("the honest flow answers the token for the approvals audience (the baseline of the tests below)", async () => {
    const answers = idpAnswers();
    const server = await fake(answers.answer);
    answers.setToken(await unsigned({ iss: `${server.url}/idp`, aud: "cli", sub: "mary" }));
    try {
      const outcome = await deviceFlow(server.url);
      expect(outcome.died).toBeUndefined();
      expect(outcome.token).toBeDefined();
    } finally {
      await server.close();
    }
  });

  test("a discovery document naming another issuer is refused before the person is asked to sign in (RFC 8414 §3.3)", async () => {
    const answers = idpAnswers({
      discovery: (u) => ({ issuer: "https://idp.evil.example", device_authorization_endpoint: `${u}/idp/device`, token_endpoint: `${u}/idp/token` }),
    });
    const server = await fake(answers.answer);
    answers.setToken(await unsigned({ iss: "https://idp.evil.example", aud: "cli", sub: "mary" }));
    try {
      const outcome = await deviceFlow(server.url);
      expect(outcome.token).toBeUndefined();
      expect(outcome.died).toContain("https://idp.evil.example");
      expect(server.hits).not.toContain("POST /idp/device");
    } finally {
      await server.close();
    }
  });

  test("endpoints over plain http on another host are refused: the device code never travels in the clear (RFC 9700 §4)", async () => {
    const answers = idpAnswers({
      discovery: (u) => ({ issuer: `${u}/idp`, device_authorization_endpoint: "http://idp.evil.example/device", token_endpoint: `${u}/idp/token` }),
    });
    const server = await fake(answers.answer);
    try {
      const outcome = await deviceFlow(server.url);
      expect(outcome.token).toBeUndefined();
      expect(outcome.died).toContain("https");
    } finally {
      await server.close();
    }
  });

  test("a token issued by another issuer is not taken for the approvals audience, even with the right aud", async () => {
    const answers = idpAnswers();
    const server = await fake(answers.answer);
    answers.setToken(await unsigned({ iss: "https://idp.evil.example", aud: "cli", sub: "mary" }));
    try {
      const outcome = await deviceFlow(server.url);
      expect(outcome.token).toBeUndefined();
      expect(outcome.died).toContain("issued no token");
    } finally {
      await server.close();
    }
  });

  test("the IdP's verification URI and user code reach the terminal without control characters (no escape-sequence injection)", async () => {
    const ESC = "\u001b";
    const answers = idpAnswers({
      device: { user_code: `${ESC}]0;pwned${ESC}\\ABCD`, verification_uri: `https://idp.example/verify${ESC}[2J${ESC}[1A\r` },
    });
    const server = await fake(answers.answer);
    answers.setToken(await unsigned({ iss: `${server.url}/idp`, aud: "cli", sub: "mary" }));
    try {
      const outcome = await deviceFlow(server.url);
      const shown = outcome.said.join("\n");
      expect(shown).toContain("ABCD");
      const controls = Array.from(shown.replace(/\n/g, "")).filter((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));
      expect(controls).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

/** One console world (Locksmith, node-oidc-provider, chromium) for the console's tests below. */
let world: ConsoleWorld;
describe("the console", () => {
  beforeAll(async () => {
    world = await startConsoleWorld();
  });
  afterAll(() => world?.close());

  describe("console roles follow the bundle in force, not the one of the sign-in", () => {
    const rewrite = async (change: (bundle: ReturnType<typeof parse>) => void) => {
      const bundle = parse(readFileSync(world.policyFile, "utf8"));
      change(bundle);
      writeFileSync(world.policyFile, stringify(bundle));
      expect(await world.sut.locksmith.reloadPolicy("admin")).toMatchObject({ ok: true, changed: true });
    };
    const ledgerRoutes = ["/console/ledger", "/console/ledger/tail.json", "/console/ledger/export.ndjson", "/console/pictures"];

    test("a reload that removes the auditors' group takes the ledger away from a live session at its next request; naming the group again gives it back", async () => {
      const context = await world.newBrowser();
      await signInAs(context, "ana", "/console/ledger");
      for (const path of ledgerRoutes) expect([path, (await context.request.get(path, { maxRedirects: 0 })).status()]).toEqual([path, 200]);
      await rewrite((bundle) => {
        bundle.console.auditors = ["group:nobody-here"];
      });
      for (const path of ledgerRoutes) {
        const res = await context.request.get(path, { maxRedirects: 0 });
        expect([path, res.status()]).toEqual([path, 403]);
        expect(await res.text()).not.toContain("support-agent");
      }
      await rewrite((bundle) => {
        bundle.console.auditors = ["group:security"];
      });
      expect((await context.request.get("/console/ledger", { maxRedirects: 0 })).status()).toBe(200);
    });

    test("a person whose identity provider the bundle no longer names keeps no role: every page 403, every form refused", async () => {
      const context = await world.newBrowser();
      const adi = await signInAs(context, "adi", "/console/agents");
      const csrf = await adi.locator('input[name="csrf_token"]').first().inputValue();
      const original = readFileSync(world.policyFile, "utf8");
      try {
        // The same issuer under another id: sessions opened at `corp` are of an identity provider the bundle no longer has.
        await rewrite((bundle) => {
          bundle.identity_providers.corp_v2 = bundle.identity_providers.corp;
          delete bundle.identity_providers.corp;
        });
        for (const path of ["/console/agents", "/console/ledger", "/console/approvals"]) {
          expect([path, (await context.request.get(path, { maxRedirects: 0 })).status()]).toEqual([path, 403]);
        }
        const suspend = await context.request.post("/console/agents/suspend", { form: { csrf_token: csrf, agent: "billing-agent" }, maxRedirects: 0 });
        expect(suspend.status()).toBe(403);
        expect(await world.sut.locksmith.ledger.page({ type: "agent_suspended" }, 0n, 10)).toEqual([]);
      } finally {
        writeFileSync(world.policyFile, original);
        await world.sut.locksmith.reloadPolicy("admin");
      }
    });
  });

  describe("signing out is a state change like any other", () => {
    test("POST /oauth/logout from another origin of the same site, or without the session's CSRF token, ends nothing (logout CSRF)", async () => {
      const context = await world.newBrowser();
      const page = await signInAs(context, "ana", "/console/ledger");
      const session = (await context.cookies(world.locksmithUrl)).find((c) => c.name === "locksmith_session")!;
      const cookie = `locksmith_session=${session.value}`;
      const csrf = await page.locator('input[name="csrf_token"]').first().inputValue();
      const signedIn = async () => (await request(world.locksmithUrl).get("/console/ledger").set("cookie", cookie)).status === 200;
      const logout = () => request(world.locksmithUrl).post("/oauth/logout").set("cookie", cookie).type("form");
      // Another port of the same host is same-site: SameSite=Lax sends the cookie with its form posts.
      const sibling = world.locksmithUrl.replace(/:\d+$/, ":1");
      const refused = [
        logout().set("origin", sibling).set("sec-fetch-site", "same-site").send({}),
        logout().set("origin", "null").send({ csrf_token: csrf }),
        logout().set("sec-fetch-site", "cross-site").send({ csrf_token: csrf }),
        logout().send({}),
        logout().send({ csrf_token: "wrong" }),
      ];
      for (const res of await Promise.all(refused)) expect(res.status).toBe(403);
      expect(await signedIn()).toBe(true);
      expect(await world.sut.locksmith.ledger.page({ type: "logout", user: "ana" }, 0n, 10)).toEqual([]);
      // The control: Locksmith's own form (same origin, the token) signs out, on the server too.
      const accepted = await logout().set("origin", world.locksmithUrl).set("sec-fetch-site", "same-origin").send({ csrf_token: csrf });
      expect(accepted.status).toBe(200);
      expect(await signedIn()).toBe(false);
      // Without a session there is nothing to protect: the page still answers that you are signed out.
      expect((await request(world.locksmithUrl).post("/oauth/logout").type("form").send({})).status).toBe(200);
    });
  });

  test("signing in never adopts a session id the browser already had (no fixation): a planted cookie is replaced and opens nothing", async () => {
    const context = await world.newBrowser();
    const planted = "A".repeat(43);
    await context.addCookies([{ name: "locksmith_session", value: planted, url: world.locksmithUrl }]);
    await signInAs(context, "ana", "/console/ledger");
    const session = (await context.cookies(world.locksmithUrl)).find((c) => c.name === "locksmith_session")!;
    expect(session.value).not.toBe(planted);
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe("Lax");
    expect((await request(world.locksmithUrl).get("/console/ledger").set("cookie", `locksmith_session=${planted}`)).status).toBe(303);
    expect((await request(world.locksmithUrl).get("/console/ledger").set("cookie", `locksmith_session=${session.value}`)).status).toBe(200);
  });

  test("Content-Type tricks and method override: a text/plain or multipart post with the right token, or a GET claiming to be a POST, changes nothing", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "adi", "/console/agents");
    const session = (await context.cookies(world.locksmithUrl)).find((c) => c.name === "locksmith_session")!;
    const cookie = `locksmith_session=${session.value}`;
    const csrf = await page.locator('input[name="csrf_token"]').first().inputValue();
    const form = `csrf_token=${csrf}&agent=billing-agent`;
    const suspend = () => request(world.locksmithUrl).post("/console/agents/suspend").set("cookie", cookie);
    // The encodings a cross-site <form> may use without a preflight, other than urlencoded.
    expect((await suspend().set("content-type", "text/plain").send(form)).status).toBe(403);
    expect((await suspend().field("csrf_token", csrf).field("agent", "billing-agent")).status).toBe(403);
    for (const override of [{ "x-http-method-override": "POST" }, { "x-method-override": "POST" }]) {
      const res = await request(world.locksmithUrl).get(`/console/agents/suspend?${form}&_method=POST`).set("cookie", cookie).set(override);
      expect(res.status).toBe(404);
    }
    expect(await world.sut.locksmith.ledger.page({ type: "agent_suspended" }, 0n, 10)).toEqual([]);
    // The control: the same form, urlencoded, suspends (then resumed, for the other tests).
    expect((await suspend().type("form").send(form)).status).toBe(303);
    expect((await request(world.locksmithUrl).post("/console/agents/resume").set("cookie", cookie).type("form").send(form)).status).toBe(303);
  });
});
