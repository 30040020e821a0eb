import type { Response } from "express";
import type { ConsoleRole } from "../../domain/console/console-roles";
import { escapeHtml, html, type Html } from "../pages/html";
import type { ConsoleVisitor } from "./console-access";

/**
 * The console's Content-Security-Policy: scripts and styles only from Locksmith's own static files
 * (/console/assets/*, no inline script or style at all), fetches only to Locksmith, forms only to
 * Locksmith, never framed, no <base>.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers of every console answer (pages, refusals, assets and data endpoints). */
export const CONSOLE_HEADERS = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
  // Not no-referrer: with it the browser sends `Origin: null` on the console's own form posts, which the CSRF check refuses.
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
} as const;

/** The console's sections, in nav order: `path` under /console and who sees the link. */
export const CONSOLE_SECTIONS = [
  { id: "ledger", label: "Ledger", path: "/console/ledger", roles: ["auditor", "admin"] },
  { id: "approvals", label: "Approvals", path: "/console/approvals", roles: ["approver", "admin"] },
  { id: "agents", label: "Agents", path: "/console/agents", roles: ["auditor", "approver", "admin"] },
  { id: "pictures", label: "Pictures", path: "/console/pictures", roles: ["auditor", "admin"] },
] as const satisfies readonly { id: string; label: string; path: string; roles: readonly ConsoleRole[] }[];

export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number]["id"];

export interface ConsolePageOptions {
  readonly status?: number;
  readonly title: string;
  /** Highlighted in the nav. */
  readonly section?: ConsoleSection;
  readonly body: Html;
}

/**
 * Sends a console page: the layout (nav, who is signed in, a sign-out form with the CSRF token) around
 * `body`. Every value reaches the page through `html`, which escapes it: ledger text written by agents
 * is hostile input.
 */
export function sendConsolePage(res: Response, visitor: ConsoleVisitor | undefined, options: ConsolePageOptions): void {
  const nav = visitor
    ? html`<nav aria-label="Console"><a class="brand" href="/console">Locksmith</a>${CONSOLE_SECTIONS.filter((s) =>
        s.roles.some((role: ConsoleRole) => visitor.roles.includes(role)),
      ).map(
        (s) => html`<a href="${s.path}"${s.id === options.section ? html` aria-current="page"` : html``}>${s.label}</a>`,
      )}<span class="who">${visitor.person.subject}${visitor.roles.length > 0 ? html` <small>(${visitor.roles.join(", ")})</small>` : html``}</span>${signOutForm(visitor.csrf)}</nav>`
    : html`<nav aria-label="Console"><a class="brand" href="/console">Locksmith</a></nav>`;
  res
    .status(options.status ?? 200)
    .set(CONSOLE_HEADERS)
    .type("html")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(options.title)} · Locksmith console</title><link rel="stylesheet" href="/console/assets/console.css">` +
        `<script src="/console/assets/console.js" defer></script></head><body>${nav.text}<main><h1>${escapeHtml(options.title)}</h1>${options.body.text}</main></body></html>`,
    );
}

/** A refusal or error page of the console (the person sees why; nothing else is on it). */
export function sendConsoleMessage(res: Response, visitor: ConsoleVisitor | undefined, status: number, title: string, message: string): void {
  sendConsolePage(res, visitor, { status, title, body: html`<p>${message}</p>` });
}

/** POST /console/sign-out, with the session's CSRF token like every console form. */
export const signOutForm = (csrf: string) =>
  html`<form class="sign-out" method="post" action="/console/sign-out">${csrfField(csrf)}<button type="submit">Sign out</button></form>`;

/** The hidden field every console form carries; `requireSameSiteForm` compares it with the session's token. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="csrf_token" value="${csrf}">`;
