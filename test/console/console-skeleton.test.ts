import request from "supertest";
import { CONSOLE_CSP } from "../../src/http/console/console-page";
import { screenshot, signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";
import { startLocksmith } from "../support/locksmith-under-test";

// The console's foundation, in a real browser signed in at node-oidc-provider: who gets in, the
// layout, the placeholders, the headers and the session cookie's attributes.

jest.setTimeout(90_000);

let world: ConsoleWorld;
beforeAll(async () => {
  world = await startConsoleWorld();
});
afterAll(() => world?.close());

describe("console skeleton", () => {
  test("GET / leads to /console; a browser that is not signed in goes to the company IdP and back", async () => {
    const root = await request(world.locksmithUrl).get("/");
    expect(root.status).toBe(303);
    expect(root.headers.location).toBe("/console");
    const anonymous = await request(world.locksmithUrl).get("/console/ledger");
    expect(anonymous.status).toBe(303);
    expect(new URL(anonymous.headers.location).origin).toBe(world.idpUrl);
  });

  test("an auditor signs in at the IdP and lands on the ledger, with the nav, who they are and a sign-out form", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "ana");
    expect(new URL(page.url()).pathname).toBe("/console/ledger");
    const nav = await page.locator("nav").textContent();
    expect(nav ?? "").toContain("Ledger");
    expect(nav ?? "").toContain("Pictures");
    expect(nav ?? "").not.toContain("Approvals"); // ana approves nothing
    expect(nav ?? "").toContain("ana");
    expect(await page.locator('nav form[action="/console/sign-out"] input[name="csrf_token"]').count()).toBe(1);
    await screenshot(page, "skeleton-ledger-auditor");

    for (const section of ["agents", "pictures"]) {
      const response = await page.goto(`/console/${section}`);
      expect(response?.status()).toBe(200);
      expect(await page.locator("main h1").count()).toBe(1); // the page itself: tested in console-agents and console-pictures tests
      await screenshot(page, `skeleton-${section}`);
    }
    // Not an approver: the approvals page says so, with no data.
    const approvals = await page.goto("/console/approvals");
    expect(approvals?.status()).toBe(403);

    // The session cookie: HttpOnly, SameSite=Lax; Secure is relaxed only because this is http on loopback.
    const cookie = (await context.cookies(world.locksmithUrl)).find((c) => c.name === "locksmith_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/" });

    await Promise.all([page.waitForNavigation(), page.click('nav form[action="/console/sign-out"] button')]);
    expect(await page.locator("main").textContent()).toContain("signed out");
    expect((await context.cookies(world.locksmithUrl)).some((c) => c.name === "locksmith_session")).toBe(false);
    // Signing out is a state change: in the ledger, the person as actor.
    const [logout] = await world.sut.locksmith.ledger.page({ type: "logout", user: "ana" }, 0n, 10);
    expect(logout).toMatchObject({ type: "logout", decision: "allow", user: "ana", actor: "ana", detail: { identity_provider: "corp" } });
  });

  test("an SRE lands on approvals; an admin sees every section", async () => {
    const sre = await signInAs(await world.newBrowser(), "sam");
    expect(new URL(sre.url()).pathname).toBe("/console/approvals");
    await screenshot(sre, "skeleton-approvals");
    const admin = await signInAs(await world.newBrowser(), "adi");
    const nav = await admin.locator("nav").textContent();
    for (const label of ["Ledger", "Approvals", "Agents", "Pictures"]) expect(nav ?? "").toContain(label);
  });

  test("a person in no console group gets a 403 page with nothing but a sign-out button", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "otto");
    const response = await page.goto("/console/ledger");
    expect(response?.status()).toBe(403);
    const text = await page.locator("body").textContent();
    expect(text ?? "").toContain("No access");
    expect(await page.locator("nav a").count()).toBe(1); // the brand link only: no section
    expect(await page.locator("table").count()).toBe(0);
    await screenshot(page, "skeleton-no-access");
    // Their only action works: signing out (to sign in as someone else).
    await Promise.all([page.waitForNavigation(), page.click('form[action="/console/sign-out"] button')]);
    expect(await page.locator("main").textContent()).toContain("signed out");
    expect((await context.cookies(world.locksmithUrl)).some((c) => c.name === "locksmith_session")).toBe(false);
  });

  test("console pages and assets carry the strict CSP, no framing, no caching; the script and style are files of Locksmith", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "adi", "/console/agents");
    const response = await page.goto("/console/agents");
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["cache-control"]).toBe("no-store");
    expect(await page.locator("script:not([src])").count()).toBe(0);
    expect(await page.locator("style").count()).toBe(0);
    expect(await page.locator('script[src="/console/assets/console.js"]').count()).toBe(1);
    for (const [path, type] of [
      ["/console/assets/console.js", "text/javascript"],
      ["/console/assets/console.css", "text/css"],
    ]) {
      const asset = await request(world.locksmithUrl).get(path);
      expect(asset.status).toBe(200);
      expect(asset.headers["content-type"]).toContain(type);
      expect(asset.headers["x-content-type-options"]).toBe("nosniff");
    }
  });
});

describe("LOCKSMITH_CONSOLE=off", () => {
  test("serves no console route at all, and GET / is a 404", async () => {
    const sut = await startLocksmith({ settings: { LOCKSMITH_CONSOLE: "off" } });
    try {
      for (const path of ["/", "/console", "/console/ledger", "/console/assets/console.js"]) {
        expect((await request(sut.locksmith.http).get(path)).status).toBe(404);
      }
    } finally {
      await sut.close();
    }
  });
});
