import { Router, type Request, type RequestHandler } from "express";
import { eventDocument } from "../../domain/audit/canonical-event";
import type { EventFilter, LedgerReader } from "../../domain/audit/ledger-reader";
import { proveInclusion } from "../../domain/audit/ledger-proofs";
import { traceCredential } from "../../domain/audit/trace-credential";
import { LocksmithError } from "../../domain/errors";
import { html } from "../pages/html";
import { exportQuery, filterQuery, inclusionDocument, jtiParam, listQuery, seqParam, streamNdjson } from "../routes/audit.routes";
import { parseBody } from "../validation";
import { requireRole, visitorOf } from "./console-access";
import { sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";
import { eventTable, filterForm, recordList, timeline, verificationStatus } from "./ledger-views";

/** Events per page of the ledger page. */
export const LEDGER_PAGE_SIZE = 50;
const FILTER_FIELDS = Object.keys(filterQuery.shape) as (keyof typeof filterQuery.shape)[];

/**
 * The ledger for auditors and admins: the audit API's filters (parsed by the same schemas), paged
 * events, each event's full record and inclusion proof, a credential's trace, a live tail and the
 * NDJSON export, all read through the one LedgerReader. Reading changes nothing, so nothing here posts.
 */
export function ledgerPages(deps: ConsoleDeps, _sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  const readers = requireRole("auditor", "admin");
  const ledgerOf = (): LedgerReader => {
    if (!deps.ledger) throw new LocksmithError("not_found", "this Locksmith has no ledger reader");
    return deps.ledger;
  };

  router.get("/console/ledger", readers, async (req, res) => {
    const ledger = ledgerOf();
    const { cursor, limit = LEDGER_PAGE_SIZE, ...filter } = parseBody(listQuery, formQuery(req));
    const [events, checkpoint, last] = await Promise.all([
      ledger.page(filter as EventFilter, BigInt(cursor ?? 0), limit),
      ledger.checkpoint(),
      ledger.lastSeq(),
    ]);
    const query = filterSearch(filter);
    const lastShown = events.at(-1)?.seq ?? BigInt(cursor ?? 0);
    const next = events.length === limit ? `/console/ledger?${withParam(query, "cursor", String(lastShown))}` : undefined;
    sendConsolePage(res, visitorOf(res), {
      title: "Ledger",
      section: "ledger",
      body: html`${verificationStatus(checkpoint, last)}${filterForm(filter)}
<div class="bar"><a class="button" href="/console/ledger/export.ndjson${query ? `?${query}` : ""}" download>Export NDJSON</a>
<a class="button" href="${req.originalUrl}">Refresh</a>
<button type="button" hidden data-enhance="live-tail" data-tail-url="/console/ledger/tail.json${query ? `?${query}` : ""}" data-after="${String(lastShown)}">Live tail</button>
<span class="muted" data-tail-status></span></div>
${eventTable(events.map((e) => eventDocument(e.seq, e)))}
<div class="bar">${cursor ? html`<a href="/console/ledger${query ? `?${query}` : ""}">First page</a>` : html``}${next ? html`<a href="${next}">Next page</a>` : html`<span class="muted">End of the ledger for this filter.</span>`}</div>`,
    });
  });

  // console.js polls this for the live tail: events after the last one the page shows, same filter.
  router.get("/console/ledger/tail.json", readers, async (req, res) => {
    const { cursor, limit = LEDGER_PAGE_SIZE, ...filter } = parseBody(listQuery, formQuery(req));
    const events = await ledgerOf().page(filter as EventFilter, BigInt(cursor ?? 0), limit);
    res.json({ events: events.map((e) => eventDocument(e.seq, e)), last: String(events.at(-1)?.seq ?? cursor ?? 0) });
  });

  // The same NDJSON as GET /v1/audit/export and `locksmith audit export` for the same filter.
  router.get("/console/ledger/export.ndjson", readers, async (req, res) => {
    const { after_seq = 0, until_seq, ...filter } = parseBody(exportQuery, formQuery(req));
    res.attachment("locksmith-ledger.ndjson");
    await streamNdjson(res, ledgerOf(), filter as EventFilter, BigInt(after_seq), until_seq === undefined ? undefined : BigInt(until_seq));
  });

  router.get("/console/ledger/events/:seq", readers, async (req, res) => {
    const seq = parseBody(seqParam, req.params.seq);
    const event = await ledgerOf().get(BigInt(seq));
    if (!event) throw new LocksmithError("not_found", `no event with seq ${seq}`);
    const document = eventDocument(event.seq, event);
    sendConsolePage(res, visitorOf(res), {
      title: `Event ${seq}`,
      section: "ledger",
      body: html`${recordList(document)}
<div class="bar"><button type="button" hidden data-enhance="verify-proof" data-proof-url="/console/ledger/events/${String(seq)}/proof.json">Verify inclusion proof</button>
<a href="/console/ledger/events/${String(seq)}/proof.json">Inclusion proof (JSON)</a>${event.jti ? html` <a href="/console/ledger/trace/${encodeURIComponent(event.jti)}">Credential timeline</a>` : html``}</div>
<p class="status" data-proof-result hidden></p>
<p class="muted">The button recomputes this event's leaf hash and its Merkle path (RFC 6962/9162, SHA-256) in your browser and compares the result with the root of the last signed checkpoint. <code>npx locksmith audit verify</code> also checks the checkpoint's signature.</p>`,
    });
  });

  router.get("/console/ledger/events/:seq/proof.json", readers, async (req, res) => {
    const seq = parseBody(seqParam, req.params.seq);
    const ledger = ledgerOf();
    const event = await ledger.get(BigInt(seq));
    if (!event) throw new LocksmithError("not_found", `no event with seq ${seq}`);
    res.json({ ...inclusionDocument(await proveInclusion(ledger, seq)), event: eventDocument(event.seq, event) });
  });

  router.get("/console/ledger/trace/:jti", readers, async (req, res) => {
    const jti = parseBody(jtiParam, req.params.jti);
    const trace = await traceCredential(ledgerOf(), jti, new Date(deps.services.clock.now()));
    if (!trace) throw new LocksmithError("not_found", `no event names credential ${jti}`);
    sendConsolePage(res, visitorOf(res), { title: `Credential ${jti}`, section: "ledger", body: timeline(trace) });
  });

  return router;
}

/**
 * The query as the filter form sends it: empty fields dropped (a blank input means "any"), and a time
 * without an offset read as UTC (the form says so). Anything else goes to the API's schema as it came.
 */
function formQuery(req: Request): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (value === "") continue;
    query[key] =
      (key === "from" || key === "to") && typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?$/.test(value) ? `${value}Z` : value;
  }
  return query;
}

/** The filter as a query string (for links: next page, export, tail). */
function filterSearch(filter: EventFilter): string {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = filter[field];
    if (value !== undefined) params.set(field, value instanceof Date ? value.toISOString() : String(value));
  }
  return params.toString();
}

const withParam = (query: string, key: string, value: string) => {
  const params = new URLSearchParams(query);
  params.set(key, value);
  return params.toString();
};
