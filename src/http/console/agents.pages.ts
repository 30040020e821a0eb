import { Router, type Request, type RequestHandler } from "express";
import { z } from "zod";
import { agentsOverview, type AgentOverview } from "../../domain/agents/agents-overview";
import { setAgentSuspended } from "../../domain/agents/suspend-agent";
import { invalidRequest, LocksmithError } from "../../domain/errors";
import type { AgentPermission } from "../../domain/policy/effective-permissions";
import { callOf } from "../middleware/request-context";
import { html, type Html } from "../pages/html";
import { ledgerText } from "../validation";
import { readsLedger } from "../../domain/console/console-roles";
import { requireRole, visitorOf } from "./console-access";
import { csrfField, sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";

const suspendForm = z.object({
  csrf_token: z.string(),
  agent: ledgerText(512).min(1),
  reason: ledgerText(512).optional(),
});

const DONE = { suspended: "Suspended.", resumed: "Resumed." } as const;

/**
 * GET /console/agents — every agent of the policy in force: environment, roles, effective permissions
 * (what `decide` gives an example of each grant), suspension, latest denials; the policy version.
 * POST /console/agents/suspend|resume — admins only (authorized here on the server: anyone else gets
 * 403 and nothing changes), through the same `setAgentSuspended` as the admin API, the person as actor.
 */
export function agentsPages(deps: ConsoleDeps, sameSiteForm: RequestHandler[]): Router {
  const router = Router();

  router.get("/console/agents", requireRole("auditor", "approver", "admin"), async (req, res) => {
    const visitor = visitorOf(res);
    // Denials are ledger rows: read only for those who may read the ledger.
    const overview = await agentsOverview(
      { policy: deps.services.policy, suspensions: deps.services.suspensions, ledger: deps.ledger ?? { latest: async () => [] } },
      { recentDenials: readsLedger(visitor.roles) ? 5 : 0 },
    );
    const canSuspend = visitor.roles.includes("admin") && deps.admin !== undefined;
    const done = doneOf(req);
    sendConsolePage(res, visitor, {
      title: "Agents and policy",
      section: "agents",
      body: html`${done ? html`<p class="status" role="status" data-done="${done}">${DONE[done]}</p>` : html``}
<p class="status">Policy in force: <code data-policy-version="">${overview.policyVersion}</code> · ${overview.agents.length} agents</p>
${overview.agents.map((agent) => agentCard(agent, canSuspend ? visitor.csrf : undefined, readsLedger(visitor.roles)))}`,
    });
  });

  for (const action of ["suspend", "resume"] as const) {
    router.post(`/console/agents/${action}`, ...sameSiteForm, requireRole("admin"), async (req, res) => {
      const visitor = visitorOf(res);
      if (!deps.admin) throw new LocksmithError("not_found", "suspension is not available on this Locksmith");
      const form = suspendForm.safeParse(req.body);
      if (!form.success) throw invalidRequest("name an agent; a reason is at most 512 characters of text");
      const reason = form.data.reason?.trim() || undefined;
      await setAgentSuspended(deps.admin.suspension, visitor.person.subject, form.data.agent, action === "suspend", callOf(res), reason);
      res.redirect(303, `/console/agents?done=${action === "suspend" ? "suspended" : "resumed"}`);
    });
  }

  return router;
}

/** `csrf` only for admins (the suspend/resume form); the denials (ledger rows) only for those who read the ledger. */
function agentCard(agent: AgentOverview, csrf: string | undefined, showDenials: boolean): Html {
  const suspended = agent.suspension.suspended;
  return html`<article class="agent" data-agent="${agent.id}">
<h2><code>${agent.id}</code> <span class="muted">${agent.environment}</span> ${
    suspended ? html`<span class="bad" data-status="suspended">suspended</span>` : html`<span class="ok" data-status="active">active</span>`
  }</h2>
<p>Roles: ${agent.roles.map((role, i) => html`${i ? ", " : ""}<code>${role}</code>`)}</p>
${csrf === undefined ? html`` : suspendButton(agent.id, suspended, csrf)}
<details><summary>Effective permissions (${agent.permissions.length})</summary>${permissionsTable(agent.permissions)}</details>
${showDenials ? denialsTable(agent) : html``}
</article>`;
}

function denialsTable(agent: AgentOverview): Html {
  return html`<h3>Latest denials</h3>
${
  agent.recentDenials.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table data-denials="${agent.id}"><thead><tr><th>time (UTC)</th><th>scope</th><th>resource</th><th>reason</th><th>rule</th><th>person</th></tr></thead><tbody>${agent.recentDenials.map(
        (e) =>
          html`<tr><td>${e.occurredAt.toISOString()}</td><td><code>${e.scope ?? ""}</code></td><td><code>${e.resource ?? ""}</code></td><td>${e.reason ?? ""}</td><td><code>${e.rule ?? ""}</code></td><td>${e.user ?? ""}</td></tr>`,
      )}</tbody></table>`
}`;
}

function suspendButton(agent: string, suspended: boolean, csrf: string): Html {
  const action = suspended ? "resume" : "suspend";
  return html`<form method="post" action="/console/agents/${action}" class="bar">${csrfField(csrf)}<input type="hidden" name="agent" value="${agent}">
${suspended ? html`` : html`<label>Reason <input name="reason" maxlength="512" autocomplete="off"></label>`}
<button type="submit" data-action="${action}"${suspended ? html`` : html` class="danger"`}>${suspended ? "Resume" : "Suspend"}</button></form>`;
}

function permissionsTable(permissions: readonly AgentPermission[]): Html {
  return html`<table><thead><tr><th>scope</th><th>resource</th><th>outcome</th><th>rule</th><th>max TTL</th><th>max uses</th></tr></thead><tbody>${permissions.map(
    (p) =>
      html`<tr><td><code>${p.scope}</code></td><td><code>${p.resource}</code></td><td>${outcome(p)}</td><td><code>${p.rule ?? ""}</code>${p.reason ? html` <span class="muted">${p.reason}</span>` : html``}</td><td>${p.maxTtl} s</td><td>${p.maxUses ?? "any"}</td></tr>`,
  )}</tbody></table>`;
}

function outcome(p: AgentPermission): Html {
  const people = p.forPeople ? html` <span class="muted">(acting for a person)</span>` : html``;
  if (p.outcome === "allow") return html`<span class="decision-allow">allow</span>${people}`;
  if (p.outcome === "deny") return html`<span class="decision-deny">denied</span>${people}`;
  return html`<span class="decision-pending">needs ${p.approval?.count ?? 1} of ${p.approval?.approvers.join(", ") ?? ""}</span>${people}`;
}

const doneOf = (req: Request): keyof typeof DONE | undefined => {
  const done = req.query.done;
  return typeof done === "string" && Object.hasOwn(DONE, done) ? (done as keyof typeof DONE) : undefined;
};
