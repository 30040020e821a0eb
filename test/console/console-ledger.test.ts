import request from "supertest";
import { bearer, screenshot, seedRun, signInAs, startConsoleWorld, type ConsoleWorld, type SeededRun } from "../support/console-world";

// The ledger page in a real browser: an auditor signed in at node-oidc-provider filters the ledger,
// opens a credential's timeline, verifies an inclusion proof in the browser, tails and exports — and
// sees exactly what the audit API answers for the same filter.

jest.setTimeout(120_000);

let world: ConsoleWorld;
let run: SeededRun;
beforeAll(async () => {
  world = await startConsoleWorld();
  run = await seedRun(world);
});
afterAll(() => world?.close());

/** The audit API's answer for a query, as the security-auditor principal gets it. */
async function auditApi(path: string): Promise<request.Response> {
  const res = await request(world.locksmithUrl)
    .get(path)
    .set(await bearer(world, "security-auditor"));
  expect(res.status).toBe(200);
  return res;
}

/** The rows of the ledger table as the page shows them: seq and every cell's text. */
async function tableRows(page: import("playwright-core").Page): Promise<{ seq: string; cells: string[] }[]> {
  return page.$$eval("[data-ledger-rows] tr", (rows) =>
    rows.map((row) => ({ seq: row.getAttribute("data-seq") ?? "", cells: [...row.querySelectorAll("td")].map((td) => td.textContent ?? "") })),
  );
}

const COLUMNS = ["seq", "time", "type", "decision", "environment", "agent", "user", "scope", "resource", "reason", "jti"];
const asCells = (event: Record<string, unknown>) => COLUMNS.map((c) => (event[c] === undefined || event[c] === null ? "" : String(event[c])));

describe("the ledger page", () => {
  test("an auditor filters to one agent's denials and sees the events the audit API returns; opens a credential's timeline", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "ana");
    expect(new URL(page.url()).pathname).toBe("/console/ledger");
    await screenshot(page, "ledger");

    await page.fill('input[name="agent"]', "support-agent");
    await page.selectOption('select[name="decision"]', "deny");
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')]);
    await screenshot(page, "ledger-filtered-denials");
    const shown = await tableRows(page);
    const api = await auditApi("/v1/audit/events?agent=support-agent&decision=deny");
    const events = api.body.events as Record<string, unknown>[];
    expect(events.length).toBe(2);
    expect(shown).toEqual(events.map((e) => ({ seq: String(e.seq), cells: asCells(e) })));

    // The credential that was issued, redeemed and revoked: its timeline, the same events as the API's trace.
    await page.goto("/console/ledger?agent=support-agent&type=issued");
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/console/ledger/trace/${run.tracedJti}"]`)]);
    await screenshot(page, "ledger-credential-timeline");
    const trace = (await auditApi(`/v1/audit/trace/${run.tracedJti}`)).body;
    const timeline = await page.$$eval("[data-timeline] li", (items) => items.map((li) => li.getAttribute("data-type")));
    expect(timeline).toEqual(trace.events.map((e: { type: string }) => e.type));
    expect(timeline).toEqual(expect.arrayContaining(["issued", "redeemed", "revoked"]));
    const summary = (await page.locator("[data-trace-summary]").textContent()) ?? "";
    expect(summary).toContain(trace.status);
    expect(summary).toContain("support-agent");
  });

  test("each event opens to its full record, and its inclusion proof verifies in the browser (and a forged proof does not)", async () => {
    const context = await world.newBrowser();
    const page = await signInAs(context, "ana", "/console/ledger?type=redeemed");
    const seq = (await tableRows(page))[0].seq;
    await page.goto(`/console/ledger/events/${seq}`);
    const api = (await auditApi(`/v1/audit/events/${seq}`)).body as Record<string, unknown>;
    const record = (await page.locator("[data-record]").first().textContent()) ?? "";
    for (const [field, value] of Object.entries(api)) {
      if (field === "detail") continue;
      expect(record).toContain(field);
      expect(record).toContain(typeof value === "string" ? value : JSON.stringify(value));
    }
    await page.click('[data-enhance="verify-proof"]');
    await page.waitForSelector('[data-proof-result][data-outcome="verified"]');
    await screenshot(page, "ledger-event-verified");

    // The same check against a proof whose path was altered by a man in the middle: refused.
    await page.route("**/proof.json", async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.audit_path[0] = Buffer.alloc(32, 7).toString("base64");
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await page.click('[data-enhance="verify-proof"]');
    await page.waitForSelector('[data-proof-result][data-outcome="failed"]');
    await page.unroute("**/proof.json");
    // And an event whose bytes were changed: its leaf no longer matches.
    await page.route("**/proof.json", async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.event.agent = "someone-else";
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await page.click('[data-enhance="verify-proof"]');
    await page.waitForSelector('[data-proof-result][data-outcome="failed"]');
    expect(await page.locator("[data-proof-result]").textContent()).toContain("do not hash to the leaf");
  });

  test("the verification status names the last signed checkpoint, its size and time", async () => {
    const checkpoint = (await auditApi("/v1/audit/checkpoint")).body as { size: number; root_hash: string };
    const page = await signInAs(await world.newBrowser(), "ana");
    const status = (await page.locator("[data-ledger-status]").textContent()) ?? "";
    expect(await page.locator("[data-checkpoint-size]").textContent()).toBe(String(checkpoint.size));
    expect(status).toContain(checkpoint.root_hash);
    expect(status).toMatch(/signed at \d{4}-\d\d-\d\dT/);
  });

  test("live tail: a new event matching the filter appears without a reload; without JS the refresh link reloads", async () => {
    const page = await signInAs(await world.newBrowser(), "ana", "/console/ledger?agent=billing-agent");
    const before = (await tableRows(page)).length;
    expect(await page.locator('a.button:has-text("Refresh")').count()).toBe(1);
    await page.click('[data-enhance="live-tail"]');
    const res = await request(world.locksmithUrl)
      .post("/v1/credentials")
      .set(await bearer(world, "billing-agent"))
      .send({ scope: "billing:read", resource: "billing:invoices/8" });
    expect(res.status).toBe(201);
    await page.locator(`[data-ledger-rows] tr:nth-child(${before + 1})`).waitFor({ timeout: 15_000 });
    const rows = await tableRows(page);
    expect(rows.at(-1)!.cells).toContain(res.body.jti);
    expect(rows.at(-1)!.cells).toContain("billing:invoices/8");
    expect(rows.some((row) => row.cells.includes("support-agent"))).toBe(false); // the filter holds for the tail too
    await screenshot(page, "ledger-live-tail");
  });

  test("the export of the current filter is the audit API's export, byte for byte", async () => {
    const page = await signInAs(await world.newBrowser(), "adi", "/console/ledger?agent=support-agent");
    const href = await page.locator('a:has-text("Export NDJSON")').getAttribute("href");
    expect(href).toBe("/console/ledger/export.ndjson?agent=support-agent");
    const exported = await page.request.get(href!);
    expect(exported.status()).toBe(200);
    expect(exported.headers()["content-type"]).toContain("application/x-ndjson");
    const api = await request(world.locksmithUrl)
      .get("/v1/audit/export?agent=support-agent")
      .set(await bearer(world, "security-auditor"))
      .buffer(true)
      .parse((res, done) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk));
        res.on("end", () => done(null, text));
      });
    expect(await exported.text()).toBe(api.body);
    expect((api.body as string).trim().split("\n").length).toBeGreaterThanOrEqual(5);
  });

  test("paging: a page of the ledger links to the next one, which continues after the last event shown", async () => {
    const page = await signInAs(await world.newBrowser(), "ana", "/console/ledger?limit=3");
    const first = await tableRows(page);
    expect(first).toHaveLength(3);
    await Promise.all([page.waitForNavigation(), page.click('a:has-text("Next page")')]);
    expect(new URL(page.url()).searchParams.get("cursor")).toBe(first[2].seq);
    const second = await tableRows(page);
    expect(Number(second[0].seq)).toBeGreaterThan(Number(first[2].seq));
  });
});
