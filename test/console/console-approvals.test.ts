import { ApprovalPending, Locksmith } from "@locksmith/client";
import type { Page } from "playwright-core";
import { auditEvents } from "../support/console-audit-api";
import { userTokenOf } from "../support/console-user-token";
import { screenshot, signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";
import { readmeShot } from "../support/console-doc-shot";
import { exampleKey } from "../support/principals";

// The two-person gate from the console (the Kiro story): billing-agent's billing:void needs two SREs
// (examples/company-policy.yaml). sam and sri approve it in two browsers, each signed in at the IdP;
// the agent's waiting SDK call gets its credential. A request made on sam's behalf is never sam's to approve.

jest.setTimeout(120_000);

let world: ConsoleWorld;
let billing: Locksmith;
beforeAll(async () => {
  world = await startConsoleWorld();
  billing = new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: "billing-agent", key: exampleKey("billing-agent") });
});
afterAll(() => world?.close());

async function pendingVoid(invoice: string, onBehalfOf?: string): Promise<ApprovalPending> {
  const error = await billing
    .credential({ scope: "billing:void", resource: `billing:invoices/${invoice}`, reason: `void <b>invoice</b> ${invoice}`, onBehalfOf })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApprovalPending);
  return error as ApprovalPending;
}

const card = (page: Page, id: string) => page.locator(`article[data-request="${id}"]`);

async function vote(page: Page, id: string, decision: "approve" | "reject", comment: string): Promise<void> {
  await card(page, id).locator('input[name="comment"]').fill(comment);
  await Promise.all([page.waitForNavigation(), card(page, id).locator(`button[value="${decision}"]`).click()]);
}

describe("approving from the console", () => {
  test("two SREs approve in two browsers; the request leaves each list; the agent's waiting call receives its credential", async () => {
    const waiting = await pendingVoid("7");
    const credential = waiting.approved({ timeout: 60_000 });
    const id = waiting.requestId;

    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    const sri = await signInAs(await world.newBrowser(), "sri", "/console/approvals");
    for (const page of [sam, sri]) {
      await page.reload();
      expect(new URL(page.url()).pathname).toBe("/console/approvals");
      const shown = card(page, id);
      expect(await shown.locator('[data-field="agent"]').textContent()).toContain("billing-agent");
      expect(await shown.locator('[data-field="scope"]').textContent()).toBe("billing:void");
      expect(await shown.locator('[data-field="resource"]').textContent()).toContain("billing:invoices/7");
      expect(await shown.locator('[data-field="rule"]').textContent()).toContain("roles.billing-operator.grants[2]");
      expect(await shown.locator('[data-field="ttl"]').textContent()).toContain("1 use");
      // The agent's reason is its own text: shown as text, never as markup.
      expect(await shown.locator('[data-field="reason"]').textContent()).toBe("void <b>invoice</b> 7");
      expect(await shown.locator('[data-field="reason"] b').count()).toBe(0);
    }
    await screenshot(sam, "approvals");
    await readmeShot(sam, "approvals");

    await vote(sam, id, "approve", "checked the ticket");
    expect(await sam.locator("[data-done]").getAttribute("data-done")).toBe("recorded");
    expect(await card(sam, id).count()).toBe(0);
    await sri.reload();
    expect(await card(sri, id).locator('[data-field="approvals"]').textContent()).toContain("1 of 2 (sam)");
    await vote(sri, id, "approve", "second pair of eyes");
    expect(await sri.locator("[data-done]").getAttribute("data-done")).toBe("approved");
    expect(await card(sri, id).count()).toBe(0);

    await expect(credential).resolves.toMatchObject({ scope: "billing:void", resource: "billing:invoices/7", maxUses: 1 });

    // The ledger names each person as the actor of their vote, and the credential handed out after.
    const votes = (await auditEvents(world.locksmithUrl, { type: "approval_given", agent: "billing-agent" })).filter(
      (e) => (e.detail as Record<string, unknown>)?.approval_request === id,
    );
    expect(votes.map((e) => [e.actor, e.decision])).toEqual([
      ["sam", "pending"],
      ["sri", "allow"],
    ]);
    const issued = await auditEvents(world.locksmithUrl, { type: "issued", agent: "billing-agent", resource: "billing:invoices/7" });
    expect(issued).toHaveLength(1);
  });

  test("a rejection from the console refuses the agent's request", async () => {
    const waiting = await pendingVoid("8");
    const outcome = waiting.approved({ timeout: 60_000 }).catch((e: unknown) => e);
    const sri = await signInAs(await world.newBrowser(), "sri", "/console/approvals");
    await vote(sri, waiting.requestId, "reject", "not today");
    expect(await sri.locator("[data-done]").getAttribute("data-done")).toBe("rejected");
    expect(await outcome).toMatchObject({ reason: "approval_rejected" });
  });

  test("the person a request acts for sees no approve button for it, and a forced POST is refused and changes nothing", async () => {
    const samsToken = await userTokenOf(world, await world.newBrowser(), "sam");
    const waiting = await pendingVoid("9", samsToken);
    const id = waiting.requestId;

    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    await sam.reload();
    expect(await card(sam, id).count()).toBe(0);
    expect(await sam.locator(`form[action="/console/approvals/${id}"]`).count()).toBe(0);
    const sri = await signInAs(await world.newBrowser(), "sri", "/console/approvals");
    await sri.reload();
    expect(await card(sri, id).locator('[data-field="user"]').textContent()).toBe("sam");

    // sam forges the vote with their own valid session and CSRF token: the domain refuses it, as the API would.
    const csrf = await sam.locator('input[name="csrf_token"]').first().inputValue();
    const forced = await sam.request.post(`/console/approvals/${id}`, { form: { csrf_token: csrf, decision: "approve", comment: "me" }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    expect(await forced.text()).toContain("nobody approves a request made for themselves");
    await sri.reload();
    expect(await card(sri, id).locator('[data-field="approvals"]').textContent()).toContain("0 of 2");
    const votes = (await auditEvents(world.locksmithUrl, { agent: "billing-agent" })).filter(
      (e) => (e.detail as Record<string, unknown>)?.approval_request === id && e.type !== "pending_approval",
    );
    expect(votes).toEqual([]);
  });

  test("a person outside the approval groups gets 403 for the page and for a vote", async () => {
    const waiting = await pendingVoid("10");
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/agents");
    expect((await ana.goto("/console/approvals"))?.status()).toBe(403);
    const csrf = await ana.locator('input[name="csrf_token"]').first().inputValue();
    const forced = await ana.request.post(`/console/approvals/${waiting.requestId}`, { form: { csrf_token: csrf, decision: "approve" }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
  });
});
