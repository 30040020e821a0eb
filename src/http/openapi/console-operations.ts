import { exportQuery, jtiParam, listQuery, seqParam } from "../routes/audit.routes";
import type { ApiOperation } from "./api-operations";

const page = (description: string) => ({
  200: { description, type: "text/html" },
  303: { description: "to the company IdP's sign-in, when the browser is not signed in" },
  403: { description: "a page saying the person holds no console role (or not this page's)", type: "text/html" },
});

/**
 * The console's routes (src/http/console/). A page is for a person with a session cookie; the two static
 * files are public (they hold no data). Every POST carries the session's CSRF token.
 */
export const CONSOLE_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/",
    summary: "Leads a browser to the console (when LOCKSMITH_CONSOLE is on)",
    tag: "console",
    callers: ["person"],
    responses: { 303: { description: "to /console" } },
  },
  ...(["console.js", "console.css"] as const).map(
    (name): ApiOperation => ({
      method: "get",
      path: `/console/assets/${name}`,
      summary: name.endsWith(".js") ? "The console's only script (progressive enhancement)" : "The console's only stylesheet",
      tag: "console",
      callers: ["public"],
      responses: { 200: { description: "the static file", type: name.endsWith(".js") ? "text/javascript" : "text/css" } },
    }),
  ),
  {
    method: "get",
    path: "/console",
    summary: "The console: on to the first section the person's roles open",
    tag: "console",
    callers: ["person"],
    responses: { 303: { description: "to a section, or to the company IdP's sign-in" } },
  },
  {
    method: "post",
    path: "/console/sign-out",
    summary: "Ends the person's Locksmith session (CSRF token required)",
    tag: "console",
    callers: ["person"],
    responses: { 200: { description: "a page: signed out", type: "text/html" } },
  },
  {
    method: "get",
    path: "/console/ledger",
    summary: "The ledger: filtered, paged events and the verification status (auditors, admins)",
    tag: "console",
    callers: ["person"],
    query: listQuery,
    responses: page("the ledger page"),
  },
  {
    method: "get",
    path: "/console/ledger/tail.json",
    summary: "The live tail: events after `cursor` matching the filter (console.js polls it)",
    tag: "console",
    callers: ["person"],
    query: listQuery,
    responses: { 200: { description: "{events, last}", type: "application/json" } },
  },
  {
    method: "get",
    path: "/console/ledger/export.ndjson",
    summary: "The current filter as NDJSON: the same lines as GET /v1/audit/export",
    tag: "console",
    callers: ["person"],
    query: exportQuery,
    responses: { 200: { description: "one canonical event per line", type: "application/x-ndjson" } },
  },
  {
    method: "get",
    path: "/console/ledger/events/:seq",
    summary: "One event's full record, with a button verifying its inclusion proof in the browser",
    tag: "console",
    callers: ["person"],
    params: { seq: seqParam },
    responses: page("the event page"),
  },
  {
    method: "get",
    path: "/console/ledger/events/:seq/proof.json",
    summary: "The event's inclusion proof in the last signed checkpoint, with the event (console.js recomputes it)",
    tag: "console",
    callers: ["person"],
    params: { seq: seqParam },
    responses: { 200: { description: "the audit API's proof document plus `event`", type: "application/json" } },
  },
  {
    method: "get",
    path: "/console/ledger/trace/:jti",
    summary: "A credential's timeline: issued → redeemed → revoked, with approvers and the person it acted for",
    tag: "console",
    callers: ["person"],
    params: { jti: jtiParam },
    responses: page("the timeline page"),
  },
  {
    method: "get",
    path: "/console/approvals",
    summary: "Approval requests waiting for the person (approvers, admins)",
    tag: "console",
    callers: ["person"],
    responses: page("the approvals page"),
  },
  {
    method: "get",
    path: "/console/agents",
    summary: "Agents and the policy in force",
    tag: "console",
    callers: ["person"],
    responses: page("the agents page"),
  },
  {
    method: "get",
    path: "/console/pictures",
    summary: "Charts drawn from the ledger (auditors, admins)",
    tag: "console",
    callers: ["person"],
    responses: page("the pictures page"),
  },
];
