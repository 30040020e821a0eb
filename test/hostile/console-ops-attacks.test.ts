import type { Page } from "playwright-core";
import request from "supertest";
import { ApprovalPending, Locksmith, PermissionDenied } from "@locksmith/client";
import { auditEvents } from "../support/console-audit-api";
import { signInAs, startConsoleWorld, type ConsoleWorld } from "../support/console-world";
import { assertionFor, exampleKey } from "../support/principals";

// An attacker's review of the Approvals, Agents and Pictures pages (OWASP): agent-chosen text in the
// ledger rendered as markup (XSS), state changes from another site (CSRF), and acting on what is not
// yours (IDOR: voting on a request you may not vote on, suspending as a non-admin, voting twice).

jest.setTimeout(120_000);

let world: ConsoleWorld;
let billing: Locksmith;
beforeAll(async () => {
  world = await startConsoleWorld();
  billing = new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: "billing-agent", key: exampleKey("billing-agent") });
});
afterAll(() => world?.close());

/** Markup an agent may put in the ledger: a canonical scope and resource may hold `<`, `>`, `'`, `=` and `/`. */
const HOSTILE_SCOPE = "crm:<svg/onload=document.title='xss'>";
const HOSTILE_RESOURCE = "crm:<img/src=x/onerror=document.title='xss'>";

async function pendingVoid(invoice: string, reason?: string): Promise<string> {
  const error = await billing.credential({ scope: "billing:void", resource: `billing:invoices/${invoice}`, reason }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApprovalPending);
  return (error as ApprovalPending).requestId;
}

const csrfOf = (page: Page) => page.locator('input[name="csrf_token"]').first().inputValue();
const vote = async (page: Page, id: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  page.request.post(`/console/approvals/${id}`, { form: { csrf_token: await csrfOf(page), decision: "approve", ...form }, headers, maxRedirects: 0 });

describe("XSS: agent-chosen ledger text on the pages", () => {
  test("a denied request with markup in its scope and resource shows as text on the Agents page, and runs nothing", async () => {
    const support = new Locksmith({ url: world.locksmithUrl, issuer: world.locksmithUrl, agent: "support-agent", key: exampleKey("support-agent") });
    await expect(support.credential({ scope: HOSTILE_SCOPE, resource: HOSTILE_RESOURCE })).rejects.toBeInstanceOf(PermissionDenied);
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/agents");
    const dialogs: string[] = [];
    ana.on("dialog", (d) => void dialogs.push(d.message()));
    await ana.reload();
    const denials = ana.locator('table[data-denials="support-agent"]');
    expect(await denials.textContent()).toContain(HOSTILE_SCOPE);
    expect(await denials.textContent()).toContain(HOSTILE_RESOURCE);
    expect(await denials.locator("svg, img").count()).toBe(0);
    expect(await ana.title()).not.toBe("xss");
    expect(dialogs).toEqual([]);
  });

  test("an agent's reason with markup shows as text on the Approvals page", async () => {
    const id = await pendingVoid("31", `<img src=x onerror="document.title='xss'"><script>document.title='xss'</script>`);
    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    await sam.reload();
    const reason = sam.locator(`article[data-request="${id}"] [data-field="reason"]`);
    expect(await reason.textContent()).toContain("<script>");
    expect(await reason.locator("img, script").count()).toBe(0);
    expect(await sam.title()).not.toBe("xss");
  });
});

describe("CSRF: state changes only from the person's own console page", () => {
  test("a vote without the session's token, or sent from another site, is 403 and records nothing", async () => {
    const id = await pendingVoid("32");
    const sri = await signInAs(await world.newBrowser(), "sri", "/console/approvals");
    const noToken = await sri.request.post(`/console/approvals/${id}`, { form: { decision: "approve" }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    const otherSession = await sri.request.post(`/console/approvals/${id}`, { form: { csrf_token: "0".repeat(43), decision: "approve" }, maxRedirects: 0 });
    expect(otherSession.status()).toBe(403);
    const crossSite = await vote(sri, id, {}, { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(crossSite.status()).toBe(403);
    // A page of another site cannot use the session at all: no cookie, no token.
    const anonymous = await request(world.locksmithUrl).post(`/console/approvals/${id}`).type("form").send({ decision: "approve" });
    expect(anonymous.status).toBe(401);
    expect(await votesOn(id)).toEqual([]);
  });

  test("a GET never changes anything: the vote and suspend routes answer nothing to GET", async () => {
    const id = await pendingVoid("33");
    const sri = await signInAs(await world.newBrowser(), "sri", "/console/approvals");
    for (const path of [`/console/approvals/${id}?decision=approve`, "/console/agents/suspend?agent=billing-agent"]) {
      expect((await sri.goto(path))?.status()).toBe(404);
    }
    expect(await votesOn(id)).toEqual([]);
  });
});

describe("IDOR: acting on what is not yours", () => {
  test("a console admin whom the request does not name cannot vote on it (403), nor can a person outside every group", async () => {
    const id = await pendingVoid("34");
    const adi = await signInAs(await world.newBrowser(), "adi", "/console/agents");
    await adi.goto("/console/approvals");
    expect(await adi.locator(`article[data-request="${id}"]`).count()).toBe(0);
    const forced = await vote(adi, id);
    expect(forced.status()).toBe(403);
    expect(await forced.text()).toContain("this request needs group:sre");
    expect(await votesOn(id)).toEqual([]);
  });

  test("voting twice counts once: the second vote is a 409 page; an unknown request is 404, a malformed id 400", async () => {
    const id = await pendingVoid("35");
    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    expect((await vote(sam, id)).status()).toBe(303);
    const again = await vote(sam, id);
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain("already approved");
    expect(await votesOn(id)).toEqual([["approval_given", "sam"]]);
    expect((await vote(sam, "00000000-0000-4000-8000-000000000000")).status()).toBe(404);
    expect((await vote(sam, "..%2F..%2Fagents%2Fsuspend")).status()).toBe(400);
    expect((await vote(sam, id, { decision: "maybe" })).status()).toBe(400);
  });

  test("an approver cannot suspend an agent (403, nothing changes), even with their own valid session and token", async () => {
    const sam = await signInAs(await world.newBrowser(), "sam", "/console/approvals");
    const forced = await sam.request.post("/console/agents/suspend", { form: { csrf_token: await csrfOf(sam), agent: "billing-agent" }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    expect(await auditEvents(world.locksmithUrl, { type: "agent_suspended" })).toEqual([]);
    await expect(billing.credential({ scope: "billing:read", resource: "billing:invoices/1" })).resolves.toMatchObject({ scope: "billing:read" });
  });

  test("an agent principal's assertion opens no console page", async () => {
    const res = await request(world.locksmithUrl)
      .get("/console/approvals")
      .set("authorization", `Bearer ${await assertionFor("billing-agent", world.locksmithUrl)}`);
    expect(res.status).toBe(303);
    expect(new URL(res.headers.location).origin).toBe(world.idpUrl);
  });
});

describe("bad input to the pictures", () => {
  test("an unknown range, an environment outside the policy, or a repeated parameter is a 400 page, never a 5xx", async () => {
    const ana = await signInAs(await world.newBrowser(), "ana", "/console/pictures");
    for (const query of ["range=forever", "environment=nowhere", "range=1h&range=7d", "environment[]=staging", `environment=${"x".repeat(5000)}`]) {
      expect({ query, status: (await ana.goto(`/console/pictures?${query}`))?.status() }).toEqual({ query, status: 400 });
    }
  });
});

async function votesOn(id: string): Promise<string[][]> {
  const events = await auditEvents(world.locksmithUrl, { agent: "billing-agent" });
  return events
    .filter((e) => (e.detail as Record<string, unknown> | undefined)?.approval_request === id && e.type !== "pending_approval")
    .map((e) => [e.type, String(e.actor)]);
}
