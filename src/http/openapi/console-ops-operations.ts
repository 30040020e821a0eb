import { z } from "zod";
import type { ApiOperation } from "./api-operations";

const formed = (fields: Record<string, z.ZodType>) => ({
  type: "application/x-www-form-urlencoded" as const,
  schema: z.object({ csrf_token: z.string().describe("the session's CSRF token (every console form carries it)"), ...fields }),
});

const refusals = {
  303: { description: "back to the page, which says what was done" },
  403: { description: "a page: not the person's to do, or not sent from their console page (nothing changed)", type: "text/html" },
};

/** The console's actions on the Approvals and Agents pages (src/http/console/approvals.pages.ts, agents.pages.ts). */
export const CONSOLE_OPS_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "post",
    path: "/console/approvals/:id",
    summary: "The signed-in person approves or rejects a request waiting for them (same rules as POST /v1/approvals/{id})",
    tag: "console",
    callers: ["person"],
    params: { id: z.string().regex(/^[0-9a-f-]{36}$/) },
    body: formed({ decision: z.enum(["approve", "reject"]), comment: z.string().max(512).optional() }),
    responses: refusals,
  },
  ...(["suspend", "resume"] as const).map(
    (action): ApiOperation => ({
      method: "post",
      path: `/console/agents/${action}`,
      summary: `A console admin ${action}s an agent (same as POST /v1/agents/{id}/${action}; the person is the ledger's actor)`,
      tag: "console",
      callers: ["person"],
      body: formed({ agent: z.string().max(512), ...(action === "suspend" ? { reason: z.string().max(512).optional() } : {}) }),
      responses: refusals,
    }),
  ),
];
