import { Router, type RequestHandler } from "express";
import { z } from "zod";
import { bucketFor, ledgerPictures, type Pictures } from "../../domain/audit/ledger-pictures";
import { html, type Html } from "../pages/html";
import { requireRole, visitorOf } from "./console-access";
import { sendConsoleMessage, sendConsolePage } from "./console-page";
import type { ConsoleDeps } from "./console.routes";
import { rankingChart, timeChart } from "./svg-chart";

/** The ranges a person picks from; the default is the last day. */
const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
type Range = keyof typeof RANGES;

/** Strict: a parameter the page does not know (`environment[]=…`) is refused, never silently dropped into "every environment". */
const picturesQuery = z
  .object({
    range: z.enum(Object.keys(RANGES) as [Range, ...Range[]]).optional(),
    environment: z.string().max(128).optional(),
  })
  .strict();

/**
 * GET /console/pictures — issuances, denials by reason and redemptions over time per environment, and
 * the most denied agents: counted by the ledger store (`counts`, `topDenied`), drawn here as inline SVG
 * with their numbers in tables. Auditors and admins (it is the ledger, summed).
 */
export function picturesPages(deps: ConsoleDeps, _sameSiteForm: RequestHandler[]): Router {
  const router = Router();
  router.get("/console/pictures", requireRole("auditor", "admin"), async (req, res) => {
    const visitor = visitorOf(res);
    const query = picturesQuery.safeParse(req.query);
    const environments = deps.services.policy.current().environments;
    if (!query.success || (query.data.environment && !environments.includes(query.data.environment))) {
      return sendConsoleMessage(
        res,
        visitor,
        400,
        "Not a valid choice",
        "Pick a range of 1h, 24h, 7d or 30d and an environment of the policy (and nothing else).",
      );
    }
    if (!deps.ledger) return sendConsoleMessage(res, visitor, 404, "No ledger", "This Locksmith serves no ledger reads.");
    const range = query.data.range ?? "24h";
    const environment = query.data.environment || undefined;
    const to = new Date(deps.services.clock.now());
    const from = new Date(to.getTime() - RANGES[range]);
    const pictures = await ledgerPictures(deps.ledger, { from, to, bucket: bucketFor(from, to), environment });
    sendConsolePage(res, visitor, {
      title: "Pictures",
      section: "pictures",
      body: html`${filters(range, environment, environments)}
<p class="muted" data-window-from="${from.toISOString()}" data-window-to="${to.toISOString()}">From ${from.toISOString()} to ${to.toISOString()} (UTC), per ${pictures.query.bucket}${environment ? html`, in ${environment}` : html`, every environment`}.</p>
${charts(pictures)}`,
    });
  });
  return router;
}

function filters(range: Range, environment: string | undefined, environments: readonly string[]): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : html``}>${label}</option>`;
  return html`<form class="filters" method="get" action="/console/pictures">
<label>Range <select name="range">${(Object.keys(RANGES) as Range[]).map((r) => option(r, `last ${r}`, r === range))}</select></label>
<label>Environment <select name="environment">${option("", "every environment", environment === undefined)}${environments.map((e) => option(e, e, e === environment))}</select></label>
<button type="submit">Show</button>
</form>`;
}

function charts(pictures: Pictures): Html {
  const time = { buckets: pictures.buckets, bucket: pictures.query.bucket };
  const denials = pictures.denied.length
    ? pictures.denied.map((d) =>
        timeChart({ ...time, id: `denied-${d.environment}`, title: `Denials in ${d.environment}, by reason`, series: d.byReason, keyName: "reason" }),
      )
    : [timeChart({ ...time, id: "denied", title: "Denials, by reason", series: [], keyName: "reason" })];
  return html`${timeChart({ ...time, id: "issued", title: "Credentials issued, per environment", series: pictures.issued, keyName: "environment" })}
${denials}
${timeChart({ ...time, id: "redeemed", title: "Redemptions, per environment", series: pictures.redeemed, keyName: "environment" })}
${rankingChart({ id: "top-denied", title: "Most denied agents", keyName: "agent", rows: pictures.topDenied.map((d) => ({ key: d.agent, count: d.count })) })}`;
}
