import { AUDIT_DECISIONS, AUDIT_EVENT_TYPES } from "../../domain/audit/audit-event";
import type { EventFilter, StoredCheckpoint } from "../../domain/audit/ledger-reader";
import type { CredentialTrace } from "../../domain/audit/trace-credential";
import { html, type Html } from "../pages/html";

// The ledger page's pieces. Every ledger value is text an agent or a person may have chosen (a reason,
// a resource, a purpose): it reaches the page only through `html`, which escapes it.

type EventDocument = Record<string, unknown>;

/** The ledger's verification status: the last signed checkpoint, its size and time, and how far the ledger is past it. */
export function verificationStatus(checkpoint: StoredCheckpoint | undefined, last: bigint): Html {
  if (!checkpoint)
    return html`<div class="status" data-ledger-status><span class="bad">No signed checkpoint yet.</span> The ledger holds ${String(last)} events; the first checkpoint is signed after the first events (LOCKSMITH_CHECKPOINT_EVERY / _SECONDS).</div>`;
  return html`<div class="status" data-ledger-status><span class="ok">Signed checkpoint</span> of the first <strong data-checkpoint-size>${String(checkpoint.size)}</strong> events${checkpoint.signedAt ? html`, signed at <time>${checkpoint.signedAt.toISOString()}</time>` : html``}; root <code>${checkpoint.root.toString("base64")}</code>. The ledger holds ${String(last)} events (${String(last - BigInt(checkpoint.size))} since).</div>`;
}

const TEXT_FILTERS = [
  ["agent", "Agent"],
  ["user", "Person"],
  ["environment", "Environment"],
  ["scope", "Scope"],
  ["resource", "Resource"],
  ["jti", "Credential (jti)"],
] as const;

/** The filter form (GET): every field of the audit API's filter; blank means any. */
export function filterForm(filter: EventFilter): Html {
  const time = (value: Date | undefined) => (value ? value.toISOString() : "");
  const option = (value: string, selected: string | undefined) =>
    html`<option value="${value}"${value === selected ? html` selected` : html``}>${value}</option>`;
  return html`<form class="filters" method="get" action="/console/ledger">
<label>From (UTC)<input name="from" value="${time(filter.from)}" placeholder="2026-01-31T09:00:00Z"></label>
<label>To (UTC)<input name="to" value="${time(filter.to)}" placeholder="2026-01-31T18:00:00Z"></label>
${TEXT_FILTERS.map(([name, label]) => html`<label>${label}<input name="${name}" value="${filter[name] ?? ""}" maxlength="512"></label>`)}
<label>Type<select name="type"><option value="">any</option>${AUDIT_EVENT_TYPES.map((t) => option(t, filter.type))}</select></label>
<label>Decision<select name="decision"><option value="">any</option>${AUDIT_DECISIONS.map((d) => option(d, filter.decision))}</select></label>
<div><button class="primary" type="submit">Filter</button> <a href="/console/ledger">Clear</a></div>
</form>`;
}

const COLUMNS = ["seq", "time", "type", "decision", "environment", "agent", "user", "scope", "resource", "reason", "jti"] as const;
const HEADINGS: Record<(typeof COLUMNS)[number], string> = {
  seq: "#",
  time: "Time",
  type: "Type",
  decision: "Decision",
  environment: "Environment",
  agent: "Agent",
  user: "Person",
  scope: "Scope",
  resource: "Resource",
  reason: "Reason",
  jti: "Credential",
};

/** One row per event; the seq opens the full record, the jti the credential's timeline. console.js builds the same rows for the live tail. */
export function eventTable(events: readonly EventDocument[]): Html {
  return html`<table data-ledger-table><thead><tr>${COLUMNS.map((c) => html`<th>${HEADINGS[c]}</th>`)}</tr></thead><tbody data-ledger-rows>${events.map(eventRow)}</tbody></table>${
    events.length === 0 ? html`<p class="muted" data-ledger-empty>No event matches this filter.</p>` : html``
  }`;
}

function eventRow(event: EventDocument): Html {
  const cell = (column: (typeof COLUMNS)[number]) => {
    const value = event[column];
    if (value === undefined || value === null) return html`<td></td>`;
    if (column === "seq") return html`<td><a href="/console/ledger/events/${String(value)}">${String(value)}</a></td>`;
    if (column === "jti") return html`<td><a href="/console/ledger/trace/${encodeURIComponent(String(value))}">${String(value)}</a></td>`;
    if (column === "decision") return html`<td class="decision-${String(value)}">${String(value)}</td>`;
    return html`<td>${String(value)}</td>`;
  };
  return html`<tr data-seq="${String(event.seq)}">${COLUMNS.map(cell)}</tr>`;
}

/** An event's full record: every field of its public document (the bytes its leaf hashes), detail as its own list. */
export function recordList(document: EventDocument): Html {
  return html`<dl class="record" data-record>${Object.entries(document).map(([name, value]) =>
    name === "detail" && value && typeof value === "object"
      ? html`<dt>detail</dt><dd><dl class="record">${Object.entries(value).map(([k, v]) => html`<dt>${k}</dt><dd>${JSON.stringify(v)}</dd>`)}</dl></dd>`
      : html`<dt>${name}</dt><dd>${typeof value === "string" ? value : JSON.stringify(value)}</dd>`,
  )}</dl>`;
}

/** A credential's story as a timeline: issued → redeemed → revoked, with the approvers and the person it acted for. */
export function timeline(trace: CredentialTrace): Html {
  const issued = trace.events.find((e) => e.type === "issued");
  const detail = (issued?.detail ?? {}) as Record<string, unknown>;
  const approvers = typeof detail.approvals === "string" && detail.approvals !== "" ? detail.approvals.split(" ") : [];
  const facts: [string, string | undefined][] = [
    ["Status", trace.status],
    ["Agent", trace.agent],
    ["Acted for (person)", trace.user],
    ["Approved by", approvers.length > 0 ? approvers.join(", ") : undefined],
    ["Approval request", typeof detail.approval_request === "string" ? detail.approval_request : undefined],
    ["Issued", trace.issued_at],
    ["Expires", trace.expires_at],
    ["Redemptions", String(trace.redemptions)],
    ["Refused redemptions", String(trace.rejected_redemptions)],
    ["Revoked", trace.revoked_at],
    [
      "Revoked by",
      trace.revoked_by ? `${trace.revoked_by.type}${trace.revoked_by.reason ? ` (${trace.revoked_by.reason})` : ""}, event ${trace.revoked_by.seq}` : undefined,
    ],
  ];
  return html`<dl class="record" data-trace-summary>${facts
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
<h2>Timeline</h2>
<ol class="timeline" data-timeline>${trace.events.map(
    (e) =>
      html`<li class="${e.decision === "deny" ? "deny" : ""}" data-type="${String(e.type)}"><strong>${String(e.type)}</strong> <span class="decision-${String(e.decision)}">${String(e.decision)}</span> <time>${String(e.time)}</time>${
        e.actor ? html` · by ${String(e.actor)}` : html``
      }${e.reason ? html` · ${String(e.reason)}` : html``} · <a href="/console/ledger/events/${String(e.seq)}">event ${String(e.seq)}</a></li>`,
  )}</ol>`;
}
