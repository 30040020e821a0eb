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
    summary: "The ledger: filtered, paged events (auditors, admins)",
    tag: "console",
    callers: ["person"],
    responses: page("the ledger page"),
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
