import { randomBytes } from "node:crypto";
import type { Response } from "express";

/** Escapes text for HTML element content and double-quoted attributes. */
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"'`]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[c]!);

/** Tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  constructor(readonly text: string) {}
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    const part = Array.isArray(value)
      ? value.map((v) => (v instanceof Html ? v.text : escapeHtml(String(v)))).join("")
      : value instanceof Html
        ? value.text
        : escapeHtml(String(value ?? ""));
    out += part + strings[i + 1];
  });
  return new Html(out);
}

export interface PageOptions {
  readonly status?: number;
  readonly title: string;
  readonly body: Html;
  /** Origins a form on the page may post to or be redirected to after posting (CSP form-action applies to redirects). */
  readonly formTargets?: readonly string[];
}

/**
 * Sends a server-rendered page: no script at all, one nonce'd inline style, nothing may frame it
 * (`frame-ancestors 'none'` + X-Frame-Options: no clickjacking of the consent button), forms go only
 * to Locksmith and the origins given, no referrer leaks the query (codes, state) anywhere.
 */
export function sendPage(res: Response, options: PageOptions): void {
  const nonce = randomBytes(16).toString("base64");
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(" ");
  res
    .status(options.status ?? 200)
    .set({
      "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'none'; script-src 'none'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      "X-Frame-Options": "DENY",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    })
    .type("html")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(options.title)} · Locksmith</title>` +
        `<style nonce="${nonce}">${STYLE}</style></head><body><main><h1>${escapeHtml(options.title)}</h1>${options.body.text}</main></body></html>`,
    );
}

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;background:#f5f5f4;color:#1c1917;margin:0}main{max-width:36rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}" +
  "h1{font-size:1.4rem;margin-top:0}dt{font-weight:600}dd{margin:0 0 .75rem}ul{padding-left:1.2rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #78716c;background:#fff;cursor:pointer;margin-right:.5rem}" +
  "button.allow{background:#1d4ed8;color:#fff;border-color:#1d4ed8}.muted{color:#57534e;font-size:.9rem}code{font-size:.9em}";
