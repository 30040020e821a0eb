import type { CountBucket } from "../../domain/audit/ledger-aggregates";
import type { Series } from "../../domain/audit/ledger-pictures";
import { html, type Html } from "../pages/html";

/**
 * Charts drawn on the server as inline SVG: no chart library and no script (the console's CSP
 * allows none inline; SVG elements and presentation attributes are markup, not script or style).
 * Every text that reaches a chart — environment names, reasons, agent ids, which agents choose —
 * goes through `html`, which escapes it; only numbers and the palette's constants are written raw
 * into attributes. Each chart comes with its numbers as a table (screen readers, tests, copying).
 */

/** Distinct colours for series, in order (colour-blind-safe Okabe–Ito, then greys). */
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000", "#999999", "#666666"] as const;
const colourOf = (i: number) => PALETTE[i % PALETTE.length];

const WIDTH = 960;
const HEIGHT = 220;
const LEFT = 48;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 28;
/** Labels on the time axis: enough to read, few enough not to overlap. */
const X_LABELS = 8;
/** Longest agent id drawn in full in a ranking; the table and the tooltip keep all of it. */
const LABEL_CHARS = 40;

export interface TimeChart {
  /** Names the chart and its table (`data-chart`), e.g. `issued`. */
  readonly id: string;
  readonly title: string;
  readonly buckets: readonly Date[];
  readonly bucket: CountBucket;
  readonly series: readonly Series[];
  /** What a series key names, for the table's header (e.g. "environment", "reason"). */
  readonly keyName: string;
}

/** Stacked bars over time (one stack per bucket, one colour per series), its legend and its numbers. */
export function timeChart(chart: TimeChart): Html {
  const n = Math.max(1, chart.buckets.length);
  const totals = chart.buckets.map((_, i) => chart.series.reduce((sum, s) => sum + s.counts[i], 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const band = plotWidth / n;
  const barWidth = Math.max(1, band * 0.8);
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const bars: Html[] = [];
  chart.buckets.forEach((start, i) => {
    let below = 0;
    chart.series.forEach((s, k) => {
      const count = s.counts[i];
      if (count === 0) return;
      const top = y(below + count);
      const height = y(below) - top;
      below += count;
      bars.push(
        html`<rect x="${num(LEFT + i * band + (band - barWidth) / 2)}" y="${num(top)}" width="${num(barWidth)}" height="${num(height)}" fill="${colourOf(k)}"><title>${s.key}, ${label(start, chart.bucket, true)}: ${count}</title></rect>`,
      );
    });
  });
  const every = Math.max(1, Math.ceil(n / X_LABELS));
  const xLabels = chart.buckets.flatMap((start, i) =>
    i % every === 0
      ? [html`<text x="${num(LEFT + i * band + band / 2)}" y="${HEIGHT - 8}" text-anchor="middle">${label(start, chart.bucket, i === 0)}</text>`]
      : [],
  );
  const yTicks = (Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max]).map(
    (v) =>
      html`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#e7e5e4"/><text x="${LEFT - 6}" y="${num(y(v) + 4)}" text-anchor="end">${num(v)}</text>`,
  );
  const total = totals.reduce((a, b) => a + b, 0);
  const summary = `${chart.title}: ${total} in all${chart.series.map((s) => `, ${s.key} ${s.total}`).join("")}`;
  return html`<figure class="chart" data-chart="${chart.id}">
<figcaption><h2>${chart.title}</h2></figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${summary}" font-size="11" font-family="system-ui, sans-serif" fill="#57534e">${yTicks}${bars}${xLabels}</svg>
${legend(chart.series.map((s) => s.key))}
${total === 0 ? html`<p class="muted">None in this range.</p>` : html``}
${timeTable(chart, totals)}
</figure>`;
}

/** The numbers of a time chart: one row per bucket that has any, and the totals. */
function timeTable(chart: TimeChart, totals: readonly number[]): Html {
  const rows = chart.buckets.flatMap((start, i) =>
    totals[i] === 0
      ? []
      : [
          html`<tr data-bucket="${start.toISOString()}"><th scope="row">${label(start, chart.bucket, true)}</th>${chart.series.map(
            (s) => html`<td data-series="${s.key}">${s.counts[i]}</td>`,
          )}<td data-series="">${totals[i]}</td></tr>`,
        ],
  );
  return html`<details><summary>Numbers</summary><table data-chart-table="${chart.id}">
<caption>${chart.title}, per ${chart.bucket} (UTC), by ${chart.keyName}</caption>
<thead><tr><th scope="col">${chart.bucket} (UTC)</th>${chart.series.map((s) => html`<th scope="col">${s.key}</th>`)}<th scope="col">all</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr data-total=""><th scope="row">total</th>${chart.series.map((s) => html`<td data-series="${s.key}">${s.total}</td>`)}<td data-series="">${totals.reduce((a, b) => a + b, 0)}</td></tr></tfoot>
</table></details>`;
}

export interface Ranking {
  readonly id: string;
  readonly title: string;
  /** What the rows are (e.g. "agent"). */
  readonly keyName: string;
  readonly rows: ReadonlyArray<{ readonly key: string; readonly count: number }>;
}

/** Horizontal bars, most first (e.g. the most denied agents), and their numbers. */
export function rankingChart(ranking: Ranking): Html {
  const row = 24;
  const labelWidth = 300;
  const height = Math.max(1, ranking.rows.length) * row + 8;
  const max = Math.max(1, ...ranking.rows.map((r) => r.count));
  const barSpace = WIDTH - labelWidth - 60;
  const bars = ranking.rows.map((r, i) => {
    const width = Math.max(1, (r.count / max) * barSpace);
    const top = 4 + i * row;
    return html`<text x="${labelWidth - 8}" y="${top + 16}" text-anchor="end">${shorten(r.key)}</text><rect x="${labelWidth}" y="${top + 3}" width="${num(width)}" height="${row - 8}" fill="${colourOf(1)}"><title>${r.key}: ${r.count}</title></rect><text x="${num(labelWidth + width + 6)}" y="${top + 16}">${r.count}</text>`;
  });
  const summary = `${ranking.title}: ${ranking.rows.map((r) => `${r.key} ${r.count}`).join(", ") || "none"}`;
  return html`<figure class="chart" data-chart="${ranking.id}">
<figcaption><h2>${ranking.title}</h2></figcaption>
${
  ranking.rows.length === 0
    ? html`<p class="muted">None in this range.</p>`
    : html`<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${summary}" font-size="12" font-family="system-ui, sans-serif" fill="#1c1917">${bars}</svg>`
}
<details><summary>Numbers</summary><table data-chart-table="${ranking.id}">
<caption>${ranking.title}</caption>
<thead><tr><th scope="col">${ranking.keyName}</th><th scope="col">count</th></tr></thead>
<tbody>${ranking.rows.map((r) => html`<tr data-key="${r.key}"><th scope="row">${r.key}</th><td>${r.count}</td></tr>`)}</tbody>
</table></details>
</figure>`;
}

function legend(keys: readonly string[]): Html {
  if (keys.length === 0) return html``;
  return html`<ul class="legend">${keys.map(
    (key, k) => html`<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${colourOf(k)}"/></svg> ${key}</li>`,
  )}</ul>`;
}

/** A bucket's start as people read it, in UTC: `2026-11-23 10:00` (the date only when `full` or per day). */
export function label(start: Date, bucket: CountBucket, full: boolean): string {
  const iso = start.toISOString();
  if (bucket === "day") return iso.slice(0, 10);
  return full ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** A round maximum for the y axis (1, 2, 5 × 10ⁿ), so its ticks read as whole numbers. */
export function niceMax(value: number): number {
  if (value <= 2) return 2;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value)!;
  return step * power;
}

/** A coordinate with at most two decimals. */
const num = (value: number) => String(Math.round(value * 100) / 100);

const shorten = (text: string) => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text);
