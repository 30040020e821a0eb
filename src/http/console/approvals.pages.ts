import { Router, type Request, type RequestHandler } from "express";
import { z } from "zod";
import type { ApprovalRequest } from "../../domain/approvals/approval-request";
import { approverOf } from "../../domain/approvals/person-approver";
import { approvalsFor, voteOnApproval } from "../../domain/approvals/vote-on-approval";
import { invalidRequest, LocksmithError } from "../../domain/errors";
import { callOf } from "../middleware/request-context";
import { html, type Html } from "../pages/html";
import { REQUEST_ID } from "../routes/approvals.routes";
import { ledgerText } from "../validation";
import { requireRole, visitorOf } from "./console-access";
import { csrfField, sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";

const voteForm = z.object({
  csrf_token: z.string(),
  decision: z.enum(["approve", "reject"]),
  comment: ledgerText(512).optional(),
});

/** What the page says after a vote (a fixed set: nothing of the query string is reflected). */
const DONE = {
  recorded: "Your approval is recorded. The request waits for other approvers.",
  approved: "Approved. The agent can now collect its credential.",
  rejected: "Rejected. The agent's request is refused.",
} as const;

/**
 * GET /console/approvals — what waits for the signed-in person: the pending requests they may vote on
 * (never their own, never one made on their behalf, never one they voted on), listed and voted through
 * the same domain functions as the approvals API (`approvalsFor`, `voteOnApproval`): the person is the
 * approver, and the ledger row names them as its actor.
 * POST /console/approvals/{id} — approve or reject with a comment (a same-site form with the CSRF token).
 */
export function approvalsPages(deps: ConsoleDeps, sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  const approverOfVisitor = (res: Parameters<typeof visitorOf>[0]) => approverOf(visitorOf(res).person, deps.approvals.policy.current());

  router.get("/console/approvals", requireRole("approver", "admin"), async (req, res) => {
    const visitor = visitorOf(res);
    const approver = approverOfVisitor(res);
    const waiting = approver ? await approvalsFor(deps.approvals, approver) : [];
    const done = doneOf(req);
    sendConsolePage(res, visitor, {
      title: "Approvals",
      section: "approvals",
      body: html`${done ? html`<p class="status" role="status" data-done="${done}">${DONE[done]}</p>` : html``}
<p class="muted">Credential requests waiting for your vote. Requests made for you, and those you voted on, are not listed: other people decide them.</p>
${waiting.length === 0 ? html`<p data-empty="approvals">Nothing waits for you.</p>` : waiting.map((r) => requestCard(r, visitor.csrf, deps.approvals.clock.now()))}`,
    });
  });

  router.post("/console/approvals/:id", ...sameSiteForm, requireRole("approver", "admin"), async (req, res) => {
    const id = String(req.params.id);
    if (!REQUEST_ID.test(id)) throw invalidRequest("not a request id");
    const form = voteForm.safeParse(req.body);
    if (!form.success) throw invalidRequest("choose approve or reject; a comment is at most 512 characters of text");
    const approver = approverOfVisitor(res);
    if (!approver) throw new LocksmithError("permission_denied", "your identity provider is no longer trusted by the policy");
    const comment = form.data.comment?.trim() || undefined;
    const after = await voteOnApproval(deps.approvals, approver, id, { approve: form.data.decision === "approve", comment }, callOf(res));
    const done: keyof typeof DONE = after.status === "rejected" ? "rejected" : after.status === "approved" ? "approved" : "recorded";
    res.redirect(303, `/console/approvals?done=${done}`);
  });

  return router;
}

function requestCard(r: ApprovalRequest, csrf: string, now: number): Html {
  const left = Math.max(0, Math.round((r.expiresAt - now) / 1000));
  return html`<article class="approval" data-request="${r.id}">
<h2><code>${r.scope}</code> on <code>${r.resource}</code></h2>
<dl class="record">
<dt>Agent</dt><dd data-field="agent">${r.agent} <span class="muted">(${r.environment})</span></dd>
<dt>For person</dt><dd data-field="user">${r.user ?? html`<span class="muted">nobody: the agent acts for itself</span>`}</dd>
<dt>Scope</dt><dd data-field="scope"><code>${r.scope}</code></dd>
<dt>Resource</dt><dd data-field="resource"><code>${r.resource}</code> <span class="muted">at ${r.audience}</span></dd>
<dt>Rule</dt><dd data-field="rule"><code>${r.rule}</code> <span class="muted">needs ${r.count} of ${r.approvers.join(", ")}</span></dd>
<dt>TTL</dt><dd data-field="ttl">${seconds(r.ttl)}${r.maxUses === undefined ? html`` : html`, ${r.maxUses} use${r.maxUses === 1 ? "" : "s"}`}</dd>
${r.purpose ? html`<dt>Agent's reason</dt><dd data-field="reason">${r.purpose}</dd>` : html``}
<dt>Approvals</dt><dd data-field="approvals">${r.approvals.length} of ${r.count}${r.approvals.length ? html` (${r.approvals.map((a) => a.subject).join(", ")})` : html``}</dd>
<dt>Asked</dt><dd>${new Date(r.createdAt).toISOString()}, expires in ${seconds(left)}</dd>
</dl>
<form method="post" action="/console/approvals/${r.id}" class="bar">${csrfField(csrf)}
<label>Comment <input name="comment" maxlength="512" autocomplete="off"></label>
<button type="submit" name="decision" value="approve" class="primary">Approve</button>
<button type="submit" name="decision" value="reject">Reject</button>
</form>
</article>`;
}

const doneOf = (req: Request): keyof typeof DONE | undefined => {
  const done = req.query.done;
  return typeof done === "string" && Object.hasOwn(DONE, done) ? (done as keyof typeof DONE) : undefined;
};

function seconds(total: number): string {
  if (total < 120) return `${total} s`;
  if (total < 7200) return `${Math.round(total / 60)} min`;
  return `${Math.round(total / 3600)} h`;
}
