import type { Page } from "playwright-core";
import { Locksmith, PermissionDenied } from "@locksmith/client";
import { auditEvents } from "../support/console-audit-api";
import { screenshot, signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";
import { readmeShot } from "../support/console-doc-shot";
import { exampleKey } from "../support/principals";

// The Agents page: what each agent is and may do, suspended or not, its latest denials, the policy in
// force; suspend and resume for console admins only (adi), through the admin API's domain function,
// with the person as the ledger's actor. An auditor (ana) sees no button, and a forced POST is a 403.

jest.setTimeout(120_000);

let world: ConsoleWorld;
let support: Locksmith;
beforeAll(async () => {
  world = await startConsoleWorld();
  support = new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: "support-agent", key: exampleKey("support-agent") });
});
afterAll(() => world?.close());

const card = (page: Page, agent: string) => page.locator(`article[data-agent="${agent}"]`);
const status = async (page: Page, agent: string) => card(page, agent).locator("[data-status]").getAttribute("data-status");
const read = () => support.credential({ scope: "crm:read", resource: "crm:customers/42" });

describe("the agents page", () => {
  test("shows every agent's environment, roles, effective permissions and latest denials, and the policy version", async () => {
    await expect(support.credential({ scope: "crm:delete", resource: "crm:customers/42" })).rejects.toBeInstanceOf(PermissionDenied);
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/agents");
    expect(new URL(ana.url()).pathname).toBe("/console/agents");
    expect(await ana.locator("[data-policy-version]").textContent()).toBe(world.sut.locksmith.policySource.current().version);
    expect(await ana.locator("article[data-agent]").count()).toBe(world.sut.locksmith.policySource.current().agents.size);
    const billing = card(ana, "billing-agent");
    expect(await billing.locator("h2").textContent()).toContain("production");
    expect(await billing.textContent()).toContain("billing-operator");
    expect(await billing.locator("details").textContent()).toMatch(/billing:void\s*billing:invoices\/\*\s*needs 2 of group:sre/);
    const denials = card(ana, "support-agent").locator('table[data-denials="support-agent"]');
    expect(await denials.textContent()).toContain("crm:delete");
    expect(await denials.textContent()).toContain("explicit_deny");
    await screenshot(ana, "agents");
    await readmeShot(ana, "agents");
  });

  test("an admin suspends and resumes an agent: its requests are denied, then allowed; the ledger names the person", async () => {
    await expect(read()).resolves.toMatchObject({ scope: "crm:read" });
    const adi = await signInAs(await world.newBrowser(), "adi", "/console/agents");
    expect(await status(adi, "support-agent")).toBe("active");

    await card(adi, "support-agent").locator('input[name="reason"]').fill("INC-42 <i>leaking</i>");
    await Promise.all([adi.waitForNavigation(), card(adi, "support-agent").locator('button[data-action="suspend"]').click()]);
    expect(await adi.locator("[data-done]").getAttribute("data-done")).toBe("suspended");
    expect(await status(adi, "support-agent")).toBe("suspended");
    await screenshot(adi, "agents-admin-suspended");
    await expect(read()).rejects.toMatchObject({ reason: "agent_suspended" });

    await Promise.all([adi.waitForNavigation(), card(adi, "support-agent").locator('button[data-action="resume"]').click()]);
    expect(await status(adi, "support-agent")).toBe("active");
    await expect(read()).resolves.toMatchObject({ scope: "crm:read" });

    const changes = await auditEvents(world.locksmithUrl, { agent: "support-agent" });
    const suspension = changes.filter((e) => e.type === "agent_suspended" || e.type === "agent_resumed");
    expect(suspension.map((e) => [e.type, e.actor, e.environment])).toEqual([
      ["agent_suspended", "adi", "production"],
      ["agent_resumed", "adi", "production"],
    ]);
    expect(suspension[0].detail).toEqual({ purpose: "INC-42 <i>leaking</i>" });
  });

  test("an auditor sees no suspend button, and a forced POST is 403 and changes nothing", async () => {
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/agents");
    expect(await ana.locator('form[action^="/console/agents/"]').count()).toBe(0);
    expect(await ana.locator("button[data-action]").count()).toBe(0);
    const before = (await auditEvents(world.locksmithUrl, { type: "agent_suspended" })).length;
    const csrf = await ana.locator('input[name="csrf_token"]').first().inputValue();
    const forced = await ana.request.post("/console/agents/suspend", { form: { csrf_token: csrf, agent: "support-agent" }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    await expect(read()).resolves.toMatchObject({ scope: "crm:read" });
    expect((await auditEvents(world.locksmithUrl, { type: "agent_suspended" })).length).toBe(before);
    await ana.reload();
    expect(await status(ana, "support-agent")).toBe("active");
  });

  test("an approver sees the agents and what they may do, but no ledger rows (denials are for auditors and admins)", async () => {
    const sam = await signInAs(await world.newBrowser(), "sam", "/console/agents");
    await sam.goto("/console/agents");
    expect(await card(sam, "support-agent").count()).toBe(1);
    expect(await sam.locator("table[data-denials]").count()).toBe(0);
    expect(await sam.locator("button[data-action]").count()).toBe(0);
  });

  test("an admin's POST without the session's CSRF token, or from another origin, changes nothing", async () => {
    const adi = await signInAs(await world.newBrowser(), "adi", "/console/agents");
    const csrf = await adi.locator('input[name="csrf_token"]').first().inputValue();
    const noToken = await adi.request.post("/console/agents/suspend", { form: { agent: "support-agent" }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    const crossSite = await adi.request.post("/console/agents/suspend", {
      form: { csrf_token: csrf, agent: "support-agent" },
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    await expect(read()).resolves.toMatchObject({ scope: "crm:read" });
  });

  test("suspending an agent the policy does not name is a clear 404 page, not an error", async () => {
    const adi = await signInAs(await world.newBrowser(), "adi", "/console/agents");
    const csrf = await adi.locator('input[name="csrf_token"]').first().inputValue();
    const unknown = await adi.request.post("/console/agents/suspend", { form: { csrf_token: csrf, agent: "nobody" }, maxRedirects: 0 });
    expect(unknown.status()).toBe(404);
    expect(await unknown.text()).toContain("no agent");
  });
});
