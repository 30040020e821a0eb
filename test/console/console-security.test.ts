import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { BrowserContext, Page } from "playwright-core";
import request from "supertest";
import { CONSOLE_CSP } from "../../src/http/console/console-page";
import { freePort } from "../support/private-stores";
import { bearer, screenshot, seedRun, signInAs, startConsoleWorld, type ConsoleWorld, type SeededRun } from "../support/console-world";

// An attacker's review of the console, each finding a test: who gets nothing (agents, outsiders, forged
// cookies), cross-site posts, hostile ledger text, open redirects, framing, caching, bad input.

jest.setTimeout(120_000);

let world: ConsoleWorld;
let run: SeededRun;
let seq: string;
beforeAll(async () => {
  world = await startConsoleWorld();
  run = await seedRun(world);
  const [redeemed] = await world.sut.locksmith.ledger.page({ type: "redeemed" }, 0n, 1);
  seq = String(redeemed.seq);
});
afterAll(() => world?.close());

/** Every ledger route of the console: pages and data. */
const ledgerRoutes = () => [
  "/console/ledger",
  "/console/ledger?agent=support-agent",
  "/console/ledger/tail.json",
  "/console/ledger/export.ndjson",
  `/console/ledger/events/${seq}`,
  `/console/ledger/events/${seq}/proof.json`,
  `/console/ledger/trace/${run.tracedJti}`,
];

/** A browser's session cookie and its CSRF token (read from a console page), for requests outside the browser. */
async function sessionOf(context: BrowserContext, page: Page): Promise<{ cookie: string; csrf: string }> {
  const session = (await context.cookies(world.locksmithUrl)).find((c) => c.name === "locksmith_session")!;
  const csrf = (await page.locator('input[name="csrf_token"]').first().getAttribute("value"))!;
  return { cookie: `locksmith_session=${session.value}`, csrf };
}

/** Nothing of the ledger in an answer: no agent name, no credential id, no event. */
function expectNoLedgerData(text: string): void {
  expect(text).not.toContain("support-agent");
  expect(text).not.toContain("billing-agent");
  expect(text).not.toContain(run.tracedJti);
}

describe("who gets nothing", () => {
  test("an agent principal (its Bearer assertion, or a credential) is not a signed-in person: sent to sign in, or 401, no data", async () => {
    const credential = run.secrets.find((s) => s.split(".").length === 3 && s.length > 200)!;
    for (const path of ledgerRoutes()) {
      for (const authorization of [
        (await bearer(world, "support-agent")).authorization,
        (await bearer(world, "security-auditor")).authorization,
        `Bearer ${credential}`,
      ]) {
        const res = await request(world.locksmithUrl).get(path).set("authorization", authorization);
        if (path.endsWith(".json") || path.endsWith(".ndjson")) expect(res.status).toBe(401);
        else {
          expect(res.status).toBe(303);
          expect(new URL(res.headers.location).origin).toBe(world.idpUrl);
        }
        expectNoLedgerData(res.text ?? "");
      }
    }
  });

  test("a forged or stale session cookie is no session: sent to sign in, or 401, no data", async () => {
    for (const cookie of ["locksmith_session=" + "A".repeat(43), "locksmith_session=<script>", `locksmith_session=${"x".repeat(200)}`]) {
      for (const path of ledgerRoutes()) {
        const res = await request(world.locksmithUrl).get(path).set("cookie", cookie);
        expect([303, 401]).toContain(res.status);
        expectNoLedgerData(res.text ?? "");
      }
    }
  });

  test("a person in no console group, and an approver, get a 403 page without ledger data on every ledger route", async () => {
    for (const person of ["otto", "sam"]) {
      const context = await world.newBrowser();
      await signInAs(context, person);
      for (const path of ledgerRoutes()) {
        const res = await context.request.get(path, { maxRedirects: 0 });
        expect(res.status()).toBe(403);
        expectNoLedgerData(await res.text());
      }
    }
  });
});

describe("cross-site requests", () => {
  test("a POST without the CSRF token, with a wrong one, from another Origin or cross-site is refused and ends nothing", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "ana");
    const { cookie, csrf } = await sessionOf(context, page);
    const post = () => request(world.locksmithUrl).post("/console/sign-out").set("cookie", cookie).type("form");
    const refused = [
      post().send({}),
      post().send({ csrf_token: "wrong" }),
      post().send({ csrf_token: `${csrf}x` }),
      post().set("origin", "http://evil.example").send({ csrf_token: csrf }),
      post().set("origin", "null").send({ csrf_token: csrf }),
      post().set("sec-fetch-site", "cross-site").send({ csrf_token: csrf }),
      post().set("sec-fetch-site", "same-site").send({ csrf_token: csrf }),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(403);
      expect(res.text).toContain("Nothing was changed");
    }
    // Still signed in: nothing changed.
    expect((await request(world.locksmithUrl).get("/console/ledger").set("cookie", cookie)).status).toBe(200);
    expect(await world.sut.locksmith.ledger.page({ type: "logout", user: "ana" }, 0n, 10)).toHaveLength(0);
    // The control: the same POST with the token, from Locksmith's origin, works.
    const accepted = await post().set("origin", world.locksmithUrl).set("sec-fetch-site", "same-origin").send({ csrf_token: csrf });
    expect(accepted.status).toBe(200);
    expect((await request(world.locksmithUrl).get("/console/ledger").set("cookie", cookie)).status).toBe(303);
  });

  test("a form on another site's page, posted in the person's browser, is refused (same-site cookie or not)", async () => {
    // Another origin on the same host (another port): same-site for cookies, so SameSite=Lax alone would not stop it.
    const port = await freePort();
    const attacker: Server = createServer((_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(
          `<form method="post" action="${world.locksmithUrl}/console/sign-out"><input type="hidden" name="csrf_token" value="guess"><button>Win a prize</button></form>`,
        ),
    ).listen(port, "127.0.0.1");
    await once(attacker, "listening");
    try {
      const context = await world.newBrowser();
      const page = await signInAs(context, "ana");
      await page.goto(`http://127.0.0.1:${port}/`);
      await Promise.all([page.waitForNavigation(), page.click("button")]);
      expect(await page.locator("main").textContent()).toContain("Nothing was changed");
      await screenshot(page, "security-cross-site-post-refused");
      expect((await page.goto("/console/ledger"))?.status()).toBe(200); // still signed in
    } finally {
      attacker.closeAllConnections();
      await new Promise((done) => attacker.close(done));
    }
  });
});

describe("page hardening", () => {
  test("every console page and data endpoint: the strict CSP, no framing, no caching, no sniffing", async () => {
    const context = await world.newBrowser();
    await signInAs(context, "adi");
    for (const path of [...ledgerRoutes(), "/console/approvals", "/console/agents", "/console/pictures", "/console/ledger?type=nope"]) {
      const res = await context.request.get(path);
      const headers = res.headers();
      expect([path, headers["content-security-policy"]]).toEqual([path, CONSOLE_CSP]);
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["cache-control"]).toBe("no-store");
      expect(headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  test("a console page cannot be framed by another site", async () => {
    const port = await freePort();
    const framer: Server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(`<iframe id="f" src="${world.locksmithUrl}/console/ledger"></iframe>`),
    ).listen(port, "127.0.0.1");
    await once(framer, "listening");
    try {
      const context = await world.newBrowser();
      const page = await signInAs(context, "ana");
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForTimeout(1000);
      const frame = page.frames().find((f) => f.url().includes("/console/ledger"));
      const framed = frame
        ? await frame
            .locator("[data-ledger-table]")
            .count()
            .catch(() => 0)
        : 0;
      expect(framed).toBe(0);
    } finally {
      framer.closeAllConnections();
      await new Promise((done) => framer.close(done));
    }
  });

  test("hostile ledger text (an agent's reason, a person's login name) is shown as text, never run", async () => {
    // A person whose IdP login is markup: the ledger's login row names them.
    const hostileLogin = `<img src=x onerror="document.title='xss'">`;
    await signInAs(await world.newBrowser(), hostileLogin);
    const context = await world.newBrowser();
    const page = await signInAs(context, "ana", "/console/ledger?type=login");
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    expect((await page.locator("[data-ledger-rows]").textContent()) ?? "").toContain(hostileLogin);
    expect(await page.locator("main img").count()).toBe(0);
    const [issued] = await world.sut.locksmith.ledger.page({ jti: run.tracedJti, type: "issued" }, 0n, 1);
    await page.goto(`/console/ledger/events/${issued.seq}`);
    expect((await page.locator("[data-record]").textContent()) ?? "").toContain(JSON.stringify(run.hostileReason));
    expect(await page.locator("main img, main script").count()).toBe(0);
    // The live tail builds rows in the browser: the same text arrives as text there too.
    await page.goto("/console/ledger?type=login&limit=1");
    await page.click('[data-enhance="live-tail"]');
    await page.locator("[data-ledger-rows] tr:nth-child(2)").waitFor();
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.title()).not.toBe("xss");
    expect(dialogs).toBe(0);
    await screenshot(page, "security-hostile-text");
  });

  test("returnTo cannot leave Locksmith: odd console paths come back to Locksmith after sign-in", async () => {
    for (const path of ["/console//evil.example/x", "/console/%2F%2Fevil.example", "/console/ledger?next=https://evil.example"]) {
      const page = await signInAs(await world.newBrowser(), "ana", path);
      expect(new URL(page.url()).origin).toBe(world.locksmithUrl);
    }
  });
});

describe("bad input", () => {
  test("is a 4xx page or error, never a 5xx", async () => {
    const context = await world.newBrowser();
    await signInAs(context, "ana");
    const bad = [
      "/console/ledger?from=yesterday",
      "/console/ledger?to=2026-13-45T99:99:99Z",
      "/console/ledger?type=nope",
      "/console/ledger?decision=maybe",
      "/console/ledger?bogus=1",
      "/console/ledger?agent=a&agent=b",
      "/console/ledger?agent[x]=1",
      `/console/ledger?agent=${"a".repeat(600)}`,
      "/console/ledger?agent=%00",
      "/console/ledger?cursor=-1",
      "/console/ledger?cursor=abc",
      "/console/ledger?limit=0",
      "/console/ledger?limit=100000",
      "/console/ledger/tail.json?cursor=1e9",
      "/console/ledger/export.ndjson?after_seq=x",
      "/console/ledger/export.ndjson?cursor=1",
      "/console/ledger/events/0",
      "/console/ledger/events/abc",
      "/console/ledger/events/99999999999999999999",
      "/console/ledger/events/999999",
      "/console/ledger/events/999999/proof.json",
      "/console/ledger/trace/%3Cscript%3E",
      "/console/ledger/trace/never-issued",
      "/console/nope",
    ];
    // Bytes that are not UTF-8 are read as U+FFFD: an ordinary filter that matches nothing, not a fault.
    expect((await context.request.get("/console/ledger?agent=%ED%A0%80")).status()).toBe(200);
    for (const path of bad) {
      const res = await context.request.get(path);
      expect([path, res.status() >= 400 && res.status() < 500]).toEqual([path, true]);
    }
    const page = await context.newPage();
    await page.goto("/console/ledger?type=nope");
    expect(await page.locator("main").textContent()).toContain("type");
    await screenshot(page, "security-bad-filter");
  });
});
