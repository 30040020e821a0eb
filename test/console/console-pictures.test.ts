import type { Page } from "playwright-core";
import { Locksmith, PermissionDenied } from "@locksmith/client";
import { auditEvents, type AuditDocument } from "../support/console-audit-api";
import { screenshot, signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";
import { readmeShot } from "../support/console-doc-shot";
import { assertionFor, exampleKey, type ExamplePrincipal } from "../support/principals";

// The Pictures page counts what the ledger holds: a known mix of issuances, denials and redemptions is
// made through the real API, then the page's numbers (the tables under its charts) are compared with
// counts computed from the audit API's events of the same window, and with the mix itself.

jest.setTimeout(120_000);

let world: ConsoleWorld;
beforeAll(async () => {
  world = await startConsoleWorld();
});
afterAll(() => world?.close());

const agent = (id: ExamplePrincipal) => new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: id, key: exampleKey(id) });

async function redeem(credential: string): Promise<void> {
  const res = await fetch(`${world.locksmithUrl}/v1/credentials/redeem`, {
    method: "POST",
    headers: { authorization: `Bearer ${await assertionFor("crm-prod", world.locksmithUrl)}`, "content-type": "application/json" },
    body: JSON.stringify({ credential }),
  });
  expect(await res.json()).toMatchObject({ active: true });
}

async function denied(request: Promise<unknown>): Promise<void> {
  await expect(request).rejects.toBeInstanceOf(PermissionDenied);
}

/** The numbers of one chart's table: its total row, by series. */
async function totals(page: Page, chart: string): Promise<Record<string, number>> {
  const cells = page.locator(`table[data-chart-table="${chart}"] tfoot td[data-series]`);
  const out: Record<string, number> = {};
  for (const cell of await cells.all()) {
    const series = (await cell.getAttribute("data-series")) ?? "";
    if (series !== "") out[series] = Number(await cell.textContent());
  }
  return out;
}

function countBy(events: AuditDocument[], key: (e: AuditDocument) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[key(e)] = (out[key(e)] ?? 0) + 1;
  return out;
}

describe("the pictures page", () => {
  test("shows the counts the ledger holds for a seeded run", async () => {
    const support = agent("support-agent");
    const deploy = agent("staging-deploy-agent");
    const reads = await Promise.all([1, 2, 3].map((n) => support.credential({ scope: "crm:read", resource: `crm:customers/${n}` })));
    for (const n of [1, 2]) await deploy.credential({ scope: "infra:deploy", resource: `infra:staging/web-${n}` });
    for (const n of [1, 2]) await denied(support.credential({ scope: "crm:delete", resource: `crm:customers/${n}` }));
    await denied(support.credential({ scope: "crm:read", resource: "crm:orders/1" }));
    await denied(deploy.credential({ scope: "infra:deploy", resource: "infra:production/db" }));
    await redeem(reads[0].token);
    await redeem(reads[1].token);

    const ana = await signInAs(await world.newBrowser(), "ana", "/console/pictures");
    expect(new URL(ana.url()).pathname).toBe("/console/pictures");
    await readmeShot(ana, "pictures");
    await ana.locator("details").evaluateAll((all) => {
      for (const d of all) d.setAttribute("open", "");
    });
    await screenshot(ana, "pictures");

    const window = ana.locator("[data-window-from]");
    const from = Date.parse((await window.getAttribute("data-window-from")) ?? "");
    const to = Date.parse((await window.getAttribute("data-window-to")) ?? "");
    const inWindow = (await auditEvents(world.locksmithUrl)).filter((e) => Date.parse(e.time) >= from && Date.parse(e.time) < to);
    const ofType = (type: string) => inWindow.filter((e) => e.type === type);
    const environmentOf = (e: AuditDocument) => String(e.environment ?? "(none)");

    // The page says what the audit API's events say…
    expect(await totals(ana, "issued")).toEqual(countBy(ofType("issued"), environmentOf));
    expect(await totals(ana, "redeemed")).toEqual(countBy(ofType("redeemed"), environmentOf));
    for (const environment of ["production", "staging"]) {
      expect(await totals(ana, `denied-${environment}`)).toEqual(
        countBy(
          ofType("denied").filter((e) => environmentOf(e) === environment),
          (e) => String(e.reason),
        ),
      );
    }
    const ranking = await ana
      .locator('table[data-chart-table="top-denied"] tbody tr')
      .evaluateAll((rows) => rows.map((row) => [row.getAttribute("data-key"), Number(row.querySelector("td")?.textContent)]));
    const byAgent = countBy(ofType("denied"), (e) => String(e.agent));
    expect(Object.fromEntries(ranking)).toEqual(byAgent);

    // …which is the mix this test made.
    expect(await totals(ana, "issued")).toEqual({ production: 3, staging: 2 });
    expect(await totals(ana, "redeemed")).toEqual({ production: 2 });
    expect(await totals(ana, "denied-production")).toEqual({ explicit_deny: 2, no_grant: 1 });
    expect(await totals(ana, "denied-staging")).toEqual({ environment_wall: 1 });
    expect(ranking).toEqual([
      ["support-agent", 3],
      ["staging-deploy-agent", 1],
    ]);
    // Each chart is an SVG drawn on the server, with a bar per non-empty series and bucket.
    expect(await ana.locator('figure[data-chart="issued"] svg[role="img"] rect').count()).toBeGreaterThanOrEqual(2);
    // The same run on the Ledger page, for the README.
    expect((await ana.goto("/console/ledger"))?.status()).toBe(200);
    await readmeShot(ana, "ledger");
  });

  test("narrows to one environment, and refuses an environment the policy does not name", async () => {
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/pictures?range=7d&environment=staging");
    expect(await totals(ana, "issued")).toEqual({ staging: 2 });
    expect(await ana.locator('table[data-chart-table="denied-production"]').count()).toBe(0);
    expect((await ana.goto("/console/pictures?environment=%3Cscript%3E"))?.status()).toBe(400);
    expect(await ana.locator("main script").count()).toBe(0);
  });

  test("is for auditors and admins: an approver gets 403", async () => {
    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    expect((await sam.goto("/console/pictures"))?.status()).toBe(403);
    expect(await sam.locator("table").count()).toBe(0);
  });
});
