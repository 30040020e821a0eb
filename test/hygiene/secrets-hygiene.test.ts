import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Client } from "pg";
import request, { type Response, type Test } from "supertest";
import { startTracing, type Tracing } from "../../src/telemetry/tracing";
import type { Page } from "playwright-core";
import { userTokenOf } from "../support/console-user-token";
import { startUpstreamWorld, type UpstreamWorld } from "../support/upstream-world";
import { LocksmithApi } from "../support/locksmith-api";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "../support/principals";
import { CONSOLE_SECTIONS } from "../../src/http/console/console-page";
import {
  CONSOLE_LOGIN_SECRET_ENV,
  examplePrivateKeys,
  seedRun,
  signInAs,
  startConsoleWorld,
  type ConsoleWorld,
  type SeededRun,
} from "../support/console-world";

// One full session of every kind of call, then a grep of everything the service emitted (log
// lines, response bodies and headers, spans, ledger rows) for every secret used or produced.

const KEYS_DIR = resolve(__dirname, "..", "..", "examples", "keys");
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const READ = { scope: "crm:read", resource: "crm:customers/42" };

interface Recorded {
  readonly what: string;
  readonly res: Response;
  /** The secrets this response exists to hand out (a credential's own issuance; a database login with it). */
  readonly handsOut?: readonly string[];
}

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let world: UpstreamWorld;
let api: LocksmithApi;
const responses: Recorded[] = [];
const secrets = new Set<string>();

beforeAll(async () => {
  tracing = startTracing({ disabled: false, otlpTraces: false, otlpMetrics: false, serviceName: "locksmith-hygiene" }, [new SimpleSpanProcessor(exporter)]);
  // The delegation world plus upstreams (an API-key HTTP API and a PostgreSQL), their secrets put through the admin API.
  world = await startUpstreamWorld({ putSecrets: false });
  api = new LocksmithApi(world.sut);
  await runSession();
});
afterAll(async () => {
  await world?.close();
  await tracing?.shutdown();
});

const app = () => world.sut.locksmith.http;

async function send(what: string, test: Test, handsOut?: (res: Response) => string | undefined): Promise<Response> {
  const res = await test;
  const secret = handsOut?.(res);
  if (secret) secrets.add(secret);
  const password = typeof res.body?.database?.password === "string" ? (res.body.database.password as string) : undefined;
  if (password) secrets.add(password);
  responses.push({ what, res, handsOut: [secret, password].filter((s): s is string => s !== undefined) });
  return res;
}

async function clientAuth(id: ExamplePrincipal) {
  const assertion = await assertionFor(id, TEST_ISSUER);
  secrets.add(assertion);
  return { client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

const credentialOf = (res: Response) => (typeof res.body?.credential === "string" ? res.body.credential : undefined);
const accessTokenOf = (res: Response) => (typeof res.body?.access_token === "string" ? res.body.access_token : undefined);

/** Every kind of call: issue, deny, approval, delegation, redeem, introspect, revoke, OAuth, admin, audit, errors. */
async function runSession(): Promise<void> {
  const post = (path: string) => request(app()).post(path);
  const issued = await send(
    "issue",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send(READ),
    credentialOf,
  );
  const second = await send(
    "issue",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ ...READ, ttl: "1m" }),
    credentialOf,
  );
  await send(
    "deny",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "crm:delete", resource: "crm:customers/42" }),
  );
  await send(
    "wall",
    post("/v1/credentials")
      .set(await api.headers("staging-deploy-agent"))
      .send({ scope: "infra:deploy", resource: "infra:production/db" }),
  );
  const approval = await send(
    "approval",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "crm:refund", resource: "crm:orders/7" }),
  );
  const mary = await world.corp.token("mary", { scope: "crm:read crm:export" });
  const john = await world.corp.token("john", { scope: "crm:note" });
  const lena = await world.corp.token("lena", { groups: ["payments-leads"] }, `${TEST_ISSUER}/v1/approvals`);
  secrets.add(mary).add(john).add(lena);
  const vote = (token: string) => post(`/v1/approvals/${approval.body.request_id}`).set("authorization", `Bearer ${token}`);
  expect((await send("approver vote", vote(lena).send({ decision: "approve", comment: "hygiene" }))).status).toBe(200);
  expect((await send("user token as a vote", vote(mary).send({ decision: "approve" }))).status).toBe(401);
  await send(
    "delegated issue",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "crm:export", resource: "crm:customers/42", on_behalf_of: mary }),
    credentialOf,
  );
  await send(
    "delegated deny",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ ...READ, on_behalf_of: john }),
  );
  await send(
    "bad user token",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ ...READ, on_behalf_of: `${mary.slice(0, -4)}AAAA` }),
  );
  await send(
    "bad body",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ ...READ, extra: true }),
  );
  await send(
    "malformed json",
    post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .set("content-type", "application/json")
      .send('{"scope":'),
  );
  const replayed = (await api.headers("support-agent")).authorization;
  await send("fresh assertion", post("/v1/credentials").set("authorization", replayed).send(READ), credentialOf);
  await send("replayed assertion", post("/v1/credentials").set("authorization", replayed).send(READ));
  await send("garbage bearer", post("/v1/credentials").set("authorization", "Bearer not-a-jwt").send(READ));

  const credential = issued.body.credential as string;
  const tampered = `${credential.slice(0, -6)}AAAAAA`;
  secrets.add(tampered);
  await send(
    "redeem",
    post("/v1/credentials/redeem")
      .set(await api.headers("crm-prod"))
      .send({ credential }),
  );
  await send(
    "redeem tampered",
    post("/v1/credentials/redeem")
      .set(await api.headers("crm-prod"))
      .send({ credential: tampered }),
  );
  await send(
    "redeem wrong audience",
    post("/v1/credentials/redeem")
      .set(await api.headers("crm-staging"))
      .send({ credential }),
  );
  await send(
    "introspect",
    post("/oauth/introspect")
      .type("form")
      .send({ token: credential, ...(await clientAuth("crm-prod")) }),
  );
  await send(
    "introspect garbage",
    post("/oauth/introspect")
      .type("form")
      .send({ token: tampered, ...(await clientAuth("crm-prod")) }),
  );
  await send(
    "revoke",
    request(app())
      .delete(`/v1/credentials/${issued.body.jti}`)
      .set(await api.headers("support-agent")),
  );
  await send(
    "redeem revoked",
    post("/v1/credentials/redeem")
      .set(await api.headers("crm-prod"))
      .send({ credential }),
  );
  await send(
    "oauth revoke",
    post("/oauth/revoke")
      .type("form")
      .send({ token: second.body.credential, ...(await clientAuth("support-agent")) }),
  );

  const clientCredentials = { grant_type: "client_credentials", ...READ };
  await send(
    "oauth token",
    post("/oauth/token")
      .type("form")
      .send({ ...clientCredentials, ...(await clientAuth("support-agent")) }),
    accessTokenOf,
  );
  await send(
    "token exchange",
    post("/oauth/token")
      .type("form")
      .send({ ...clientCredentials, grant_type: EXCHANGE, subject_token: mary, subject_token_type: JWT_TYPE, ...(await clientAuth("support-agent")) }),
    accessTokenOf,
  );
  await send(
    "token exchange denied",
    post("/oauth/token")
      .type("form")
      .send({ ...clientCredentials, grant_type: EXCHANGE, subject_token: john, subject_token_type: JWT_TYPE, ...(await clientAuth("support-agent")) }),
  );
  await send(
    "oauth bad client",
    post("/oauth/token")
      .type("form")
      .send({ ...clientCredentials, client_assertion_type: JWT_BEARER, client_assertion: tampered }),
  );

  await send(
    "suspend",
    post("/v1/agents/staging-deploy-agent/suspend")
      .set(await api.headers("security-oncall"))
      .send({ reason: "hygiene" }),
  );
  await send(
    "resume",
    post("/v1/agents/staging-deploy-agent/resume")
      .set(await api.headers("security-oncall"))
      .send({}),
  );
  await send(
    "audit events",
    request(app())
      .get("/v1/audit/events?limit=1000")
      .set(await api.headers("security-auditor")),
  );
  await send(
    "audit trace",
    request(app())
      .get(`/v1/audit/trace/${issued.body.jti}`)
      .set(await api.headers("security-auditor")),
  );
  await send(
    "audit export",
    request(app())
      .get("/v1/audit/export?after_seq=0")
      .set(await api.headers("security-auditor")),
  );
  await send("jwks", request(app()).get("/.well-known/jwks.json"));
  await send("metadata", request(app()).get("/.well-known/oauth-authorization-server"));
  await send("health", request(app()).get("/readyz"));
  await send("not found", request(app()).get("/v1/nothing-here"));
  await runUpstreamSession();
  for (const secret of api.secrets) secrets.add(secret);
}

/** Token B: secrets put and rotated by an admin, the egress proxy (allowed, refused, echoing), a database login revoked. */
async function runUpstreamSession(): Promise<void> {
  const admin = async () => api.headers("security-oncall");
  const key = world.upstream.key;
  secrets.add(key).add(encodeURIComponent(key)).add(world.appDb.url);
  for (const [upstream, value] of [
    ["crm-api", "sk_old_value_to_be_rotated"],
    ["billing-api", key],
    ["app-db", world.appDb.url],
  ]) {
    await send(
      "secret put",
      request(app())
        .put(`/v1/admin/secrets/${upstream}`)
        .set(await admin())
        .send({ value }),
    );
  }
  secrets.add("sk_old_value_to_be_rotated");
  await send(
    "secret put conflict",
    request(app())
      .put("/v1/admin/secrets/crm-api")
      .set(await admin())
      .send({ value: key }),
  );
  await send(
    "secret rotate",
    request(app())
      .post("/v1/admin/secrets/crm-api/rotate")
      .set(await admin())
      .send({ value: key }),
  );
  await send(
    "secret list",
    request(app())
      .get("/v1/admin/secrets")
      .set(await admin()),
  );
  await send(
    "secret put by an agent",
    request(app())
      .put("/v1/admin/secrets/crm-api")
      .set(await api.headers("support-agent"))
      .send({ value: key }),
  );

  const read = await send(
    "upstream issue",
    request(app())
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "crm:read", resource: "crm-api" }),
    credentialOf,
  );
  const token = read.body.credential as string;
  const proxy = (method: "get" | "delete", path: string) => request(app())[method](`/v1/proxy${path}`).set("authorization", `Bearer ${token}`);
  await send("proxy allowed", proxy("get", "/crm-api/customers/42"));
  await send("proxy echo", proxy("get", "/crm-api/echo"));
  await send("proxy chunked echo", proxy("get", "/crm-api/big"));
  await send("proxy refused", proxy("delete", "/crm-api/customers/42"));
  await send("proxy traversal", proxy("get", "/crm-api/customers/%2e%2e/admin"));
  const billing = await send(
    "upstream issue",
    request(app())
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "billing:read", resource: "billing-api:invoices/7" }),
    credentialOf,
  );
  await send("proxy query key", request(app()).get("/v1/proxy/billing-api/invoices/7").set("authorization", `Bearer ${billing.body.credential}`));

  const database = await send(
    "database issue",
    request(app())
      .post("/v1/credentials")
      .set(await api.headers("support-agent"))
      .send({ scope: "db:read", resource: "app-db:app" }),
    credentialOf,
  );
  await send(
    "database revoke",
    request(app())
      .delete(`/v1/credentials/${database.body.jti}`)
      .set(await api.headers("support-agent")),
  );
  await send(
    "secret delete",
    request(app())
      .delete("/v1/admin/secrets/billing-api")
      .set(await admin()),
  );
}

/** Every private key's `d`: the example principals', the generated signing keys', the ledger key's. */
function privateKeyMaterial(): string[] {
  const ds: string[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value))
        if (key === "d" && typeof inner === "string") ds.push(inner);
        else collect(inner);
    }
  };
  for (const file of readdirSync(KEYS_DIR).filter((f) => f.endsWith(".jwk.json"))) collect(JSON.parse(readFileSync(join(KEYS_DIR, file), "utf8")));
  collect(JSON.parse(readFileSync(world.sut.keysFile, "utf8")));
  collect(JSON.parse(readFileSync(world.sut.ledgerKeyFile, "utf8")));
  return ds;
}

/** A JWT leaks as a whole or in part: look for the whole token and for its signature alone. */
const needles = (secret: string): string[] => {
  const parts = secret.split(".");
  return parts.length === 3 && parts[2].length >= 40 ? [secret, parts[2]] : [secret];
};

function expectNoSecretIn(where: string, text: string, except: readonly string[] = []): void {
  for (const secret of secrets) {
    if (except.includes(secret)) continue;
    for (const needle of needles(secret))
      if (text.includes(needle)) throw new Error(`${where} contains a secret used or produced by the run (${needle === secret ? "whole" : "its signature"})`);
  }
  for (const d of privateKeyMaterial()) if (text.includes(d)) throw new Error(`${where} contains private key material`);
}

test("the session made every kind of call and handed out credentials (the grep has something to find)", () => {
  const statuses = new Set(responses.map((r) => r.res.status));
  for (const status of [200, 201, 202, 204, 400, 401, 403, 404]) expect(statuses).toContain(status);
  expect(responses.filter((r) => r.handsOut).length).toBeGreaterThanOrEqual(5);
  expect(privateKeyMaterial().length).toBeGreaterThanOrEqual(13);
  expect(world.sut.logs.length).toBeGreaterThanOrEqual(responses.length);
  expect(exporter.getFinishedSpans().length).toBeGreaterThan(responses.length);
});

test("no response body or header carries a secret, except the one credential an issuance hands out", () => {
  for (const { what, res, handsOut } of responses) {
    expectNoSecretIn(`${what} (${res.status}) headers`, JSON.stringify(res.headers));
    expectNoSecretIn(`${what} (${res.status}) body`, res.text ?? "", handsOut);
  }
});

test("the upstream part of the session ran: keys were used upstream, echoed by it, and never passed back", () => {
  expect(world.upstream.seen.filter((r) => r.headers["x-api-key"] === world.upstream.key).length).toBeGreaterThanOrEqual(3);
  expect(world.upstream.reached("DELETE")).toEqual([]);
  for (const what of ["proxy allowed", "proxy echo", "proxy chunked echo", "proxy query key"]) {
    expect({ what, status: responses.find((r) => r.what === what)?.res.status }).toEqual({ what, status: 200 });
  }
  expect(responses.find((r) => r.what === "database issue")?.handsOut).toHaveLength(2);
});

test("no log line carries a credential, assertion, user token or private key", () => {
  expectNoSecretIn("logs", world.sut.logs.join("\n"));
});

test("no span name, attribute or event carries one", () => {
  const spans = exporter
    .getFinishedSpans()
    .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })), status: s.status }));
  expectNoSecretIn("spans", JSON.stringify(spans));
});

test("no ledger row carries one", async () => {
  const client = new Client({ connectionString: world.sut.database.url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT * FROM audit_events ORDER BY seq");
    expect(rows.length).toBeGreaterThan(20);
    expectNoSecretIn(
      "audit_events",
      JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : Buffer.isBuffer(v) ? v.toString("base64") : v)),
    );
  } finally {
    await client.end();
  }
});

/** Public documents without a secret, cacheable on purpose so resource servers do not fetch them per request. */
const PUBLIC_DOCUMENTS = new Set(["jwks", "metadata"]);

test("every response of the run, errors included, carries the security headers (no-store on all but the public key set and metadata)", () => {
  for (const { what, res } of responses) {
    expect({ what, headers: res.headers }).toMatchObject({
      what,
      headers: {
        "x-content-type-options": "nosniff",
        "cache-control": PUBLIC_DOCUMENTS.has(what) ? expect.stringMatching(/^public, max-age=\d+$/) : "no-store",
        "referrer-policy": "no-referrer",
        "content-security-policy": expect.stringContaining("default-src 'none'"),
      },
    });
  }
});

// The console (issue 17): every page and data answer a signed-in person can reach, as an admin (who
// sees every section) and as a person without a role, after a run through the API. None may carry a
// credential, an assertion, a private key, the IdP client secret or a session secret.
describe("console pages", () => {
  let consoleWorld: ConsoleWorld;
  let run: SeededRun;
  const pages: { path: string; status: number; headers: string; body: string }[] = [];
  const sessions: string[] = [];

  beforeAll(async () => {
    consoleWorld = await startConsoleWorld();
    run = await seedRun(consoleWorld);
    const ledger = consoleWorld.sut.locksmith.ledger;
    const events = await ledger.page({}, 0n, 1000);
    const jtis = [...new Set(events.map((e) => e.jti).filter((jti): jti is string => jti !== undefined))];
    const paths = [
      "/console",
      ...CONSOLE_SECTIONS.map((s) => s.path),
      "/console/ledger?decision=deny",
      "/console/ledger/tail.json",
      "/console/ledger/export.ndjson",
      ...events.flatMap((e) => [`/console/ledger/events/${e.seq}`, `/console/ledger/events/${e.seq}/proof.json`]),
      ...jtis.map((jti) => `/console/ledger/trace/${jti}`),
      "/console/ledger?type=nope",
    ];
    for (const person of ["adi", "otto"]) {
      const context = await consoleWorld.newBrowser();
      await signInAs(context, person);
      sessions.push(...(await context.cookies(consoleWorld.locksmithUrl)).filter((c) => c.name === "locksmith_session").map((c) => c.value));
      for (const path of paths) {
        const res = await context.request.get(path);
        pages.push({ path: `${person} ${path}`, status: res.status(), headers: JSON.stringify(res.headers()), body: await res.text() });
      }
      for (const path of ["/console/sign-out", "/oauth/logout"]) {
        const signOut = await context.request.post(path, { form: { csrf_token: "wrong" } });
        pages.push({ path: `${person} POST ${path}`, status: signOut.status(), headers: JSON.stringify(signOut.headers()), body: await signOut.text() });
      }
    }
  }, 180_000);
  afterAll(() => consoleWorld?.close());

  test("the walk reached the pages with data (the grep has something to find)", () => {
    expect(sessions).toHaveLength(2);
    expect(run.secrets.length).toBeGreaterThanOrEqual(10);
    const adi = pages.filter((p) => p.path.startsWith("adi ") && p.status === 200);
    expect(adi.length).toBeGreaterThanOrEqual(20); // proofs of events after the last checkpoint (the sign-ins) are 404
    expect(adi.some((p) => p.body.includes(run.tracedJti))).toBe(true);
    expect(pages.filter((p) => p.path.startsWith("otto ")).every((p) => p.status === 403 || p.path.endsWith("/console"))).toBe(true);
  });

  test("no console page, data answer or export carries a credential, assertion, private key, client secret or session secret", () => {
    const forbidden = [...run.secrets, ...sessions, process.env.CONSOLE_TEST_LOGIN_SECRET!];
    const keys = [
      ...examplePrivateKeys(),
      ...privateDs(JSON.parse(readFileSync(consoleWorld.sut.keysFile, "utf8"))),
      ...privateDs(JSON.parse(readFileSync(consoleWorld.sut.ledgerKeyFile, "utf8"))),
    ];
    expect(keys.length).toBeGreaterThanOrEqual(13);
    for (const page of pages) {
      for (const text of [page.headers, page.body]) {
        for (const secret of forbidden) for (const needle of needles(secret)) if (text.includes(needle)) throw new Error(`${page.path} carries a secret`);
        for (const d of keys) if (text.includes(d)) throw new Error(`${page.path} carries private key material`);
      }
    }
  });
});

function privateDs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(privateDs);
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === "d" && typeof inner === "string" ? [inner] : privateDs(inner)));
}

// The console (issue 17): a person's pages show the ledger, approvals and agents, whose rows hold what
// agents sent; none may carry an assertion, credential, user token, session, client secret or key.
describe("the console's approvals, agents and pictures, after votes and a suspension", () => {
  let consoleWorld: ConsoleWorld;
  const pages: { what: string; status: number; headers: string; body: string }[] = [];

  beforeAll(async () => {
    consoleWorld = await startConsoleWorld();
    const run = await seedRun(consoleWorld);
    for (const secret of run.secrets) secrets.add(secret);
    const samsToken = await userTokenOf(consoleWorld, await consoleWorld.newBrowser(), "sam");
    secrets.add(samsToken);
    const pending = [];
    for (const onBehalf of [{}, { on_behalf_of: samsToken }]) {
      const assertion = await assertionFor("billing-agent", consoleWorld.locksmithUrl);
      secrets.add(assertion);
      const res = await request(consoleWorld.locksmithUrl)
        .post("/v1/credentials")
        .set("authorization", `Bearer ${assertion}`)
        .send({ scope: "billing:void", resource: "billing:invoices/7", reason: run.hostileReason, ...onBehalf });
      expect(res.status).toBe(202);
      pending.push(res.body.request_id as string);
    }
    const visit = async (who: string, page: Page, path: string) => {
      const res = await page.goto(path);
      pages.push({ what: `${who} ${path}`, status: res?.status() ?? 0, headers: JSON.stringify(res?.headers() ?? {}), body: (await res?.text()) ?? "" });
    };
    const sri = await signInAs(await consoleWorld.newBrowser(), "sri", "/console/approvals");
    const adi = await signInAs(await consoleWorld.newBrowser(), "adi", "/console/agents");
    for (const [who, page] of [
      ["sri", sri],
      ["adi", adi],
    ] as const) {
      for (const path of ["/console/approvals", "/console/agents", "/console/pictures", "/console/ledger", `/console/ledger?agent=billing-agent`])
        await visit(who, page, path);
    }
    // A vote and a suspension from the pages: the answers and the rows they write are grepped too.
    await sri.goto("/console/approvals");
    await Promise.all([sri.waitForNavigation(), sri.locator(`article[data-request="${pending[1]}"] button[value="approve"]`).click()]);
    pages.push({ what: "sri after a vote", status: 200, headers: "", body: await sri.content() });
    await adi.goto("/console/agents");
    await Promise.all([adi.waitForNavigation(), adi.locator('article[data-agent="billing-agent"] button[data-action="suspend"]').click()]);
    pages.push({ what: "adi after a suspension", status: 200, headers: "", body: await adi.content() });
    for (const context of [sri.context(), adi.context()]) for (const cookie of await context.cookies()) secrets.add(cookie.value);
  }, 300_000);
  afterAll(() => consoleWorld?.close());

  test("every page was served, with the session's data on it (the grep has something to find)", () => {
    // adi (admin) opens every page; sri (an SRE approver) gets the approvals and agents, and a 403 page for the rest.
    expect(pages.filter((p) => p.status === 200).length).toBe(9);
    expect(pages.filter((p) => p.status === 403).map((p) => p.what)).toEqual([
      "sri /console/pictures",
      "sri /console/ledger",
      "sri /console/ledger?agent=billing-agent",
    ]);
    expect(pages.some((p) => p.body.includes("billing:void"))).toBe(true);
    expect(pages.some((p) => p.body.includes("data-chart-table"))).toBe(true);
    expect(secrets.has(process.env[CONSOLE_LOGIN_SECRET_ENV]!)).toBe(true);
  });

  test("no console page or header, log line or ledger row carries a secret or private key", async () => {
    const keys = [
      ...examplePrivateKeys(),
      ...privateDs(JSON.parse(readFileSync(consoleWorld.sut.keysFile, "utf8"))),
      ...privateDs(JSON.parse(readFileSync(consoleWorld.sut.ledgerKeyFile, "utf8"))),
    ];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    const client = new Client({ connectionString: consoleWorld.sut.database.url });
    await client.connect();
    const { rows } = await client.query("SELECT * FROM audit_events ORDER BY seq");
    await client.end();
    const ledger = JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : Buffer.isBuffer(v) ? v.toString("base64") : v));
    expect(rows.some((r) => r.type === "agent_suspended" && r.actor === "adi")).toBe(true);
    for (const [where, text] of [
      ...pages.flatMap((p) => [[`${p.what} headers`, p.headers] as const, [`${p.what} body`, p.body] as const]),
      ["console logs", consoleWorld.sut.logs.join("\n")] as const,
      ["console ledger", ledger] as const,
    ]) {
      expectNoSecretIn(where, text);
      for (const key of keys) if (text.includes(key)) throw new Error(`${where} contains private key material`);
    }
  });
});
