import { databaseLoginBody } from "../database-login";
import { Router, type Request, type RequestHandler } from "express";
import { z } from "zod";
import type { ApprovalRequest } from "../../domain/approvals/approval-request";
import type { ApprovalServices } from "../../domain/approvals/approval-services";
import type { Approver } from "../../domain/approvals/approver-authenticator";
import { collectApproved, type CollectResult } from "../../domain/approvals/collect-approved";
import { approvalsFor, voteOnApproval } from "../../domain/approvals/vote-on-approval";
import { invalidClient, invalidRequest } from "../../domain/errors";
import type { Principal } from "../../domain/policy/policy";
import { callOf } from "../middleware/request-context";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { requireJson } from "../middleware/require-json";
import { ledgerText, parseBody } from "../validation";

export const REQUEST_ID = /^[0-9a-f-]{36}$/;
export const MAX_WAIT_SECONDS = 25;
const POLL_INTERVAL_MS = 250;
export const voteBody = z.object({ decision: z.enum(["approve", "reject"]), comment: ledgerText(512).optional() }).strict();

/**
 * The approval gate: people (identity provider tokens) at GET /v1/approvals and
 * POST /v1/approvals/{id}; the agent polls GET /v1/credentials/requests/{id}
 * (`?wait=<seconds>` long-polls while it is pending).
 */
export function approvalsRoutes(services: ApprovalServices, auth: ClientAuthDeps, limits: RequestHandler[] = []): Router {
  const router = Router();
  const approver = authenticateApprover(services);

  router.get("/v1/approvals", approver, async (_req, res) => {
    const waiting = await approvalsFor(services, res.locals.approver as Approver);
    res.status(200).json({ approvals: waiting.map(view) });
  });

  router.post("/v1/approvals/:id", requireJson, approver, async (req, res) => {
    const id = requestId(req);
    const body = parseBody(voteBody, req.body);
    const after = await voteOnApproval(
      services,
      res.locals.approver as Approver,
      id,
      { approve: body.decision === "approve", comment: body.comment },
      callOf(res),
    );
    res.status(200).json(view(after));
  });

  // Collecting mints, so each poll counts against the agent's rate limits: long-poll with ?wait= rather than poll often.
  router.get("/v1/credentials/requests/:id", authenticateClient(auth, "agent"), ...limits, async (req, res) => {
    const id = requestId(req);
    const wait = req.query.wait === undefined ? 0 : Number(req.query.wait);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) throw invalidRequest(`wait must be whole seconds from 0 to ${MAX_WAIT_SECONDS}`);
    const agent = (res.locals.principal as Principal).id;
    const deadline = Date.now() + wait * 1000;
    let result: CollectResult = await collectApproved(services, agent, id, callOf(res));
    while (result.status === "pending" && Date.now() < deadline && !req.socket.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      result = await collectApproved(services, agent, id, callOf(res));
    }
    if (result.status !== "approved") {
      res.status(200).json({
        request_id: id,
        status: result.status === "pending" ? "pending_approval" : result.status,
        approvals: result.request.approvals.length,
        required: result.request.count,
        expires_at: iso(result.request.expiresAt),
      });
      return;
    }
    const c = result.credential;
    res
      .set("Pragma", "no-cache")
      .status(200)
      .json({
        request_id: id,
        status: "approved",
        credential: c.credential,
        token_type: "Bearer",
        jti: c.jti,
        scope: c.scope,
        resource: c.resource,
        audience: c.audience,
        expires_at: new Date(c.expiresAt * 1000).toISOString(),
        expires_in: c.expiresIn,
        ...(c.maxUses === undefined ? {} : { max_uses: c.maxUses }),
        ...databaseLoginBody(c.upstream),
      });
  });

  return router;
}

function authenticateApprover(services: ApprovalServices): RequestHandler {
  return async (req, res, next) => {
    try {
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(req.get("authorization") ?? "");
      if (!match) throw invalidClient("send Authorization: Bearer <a token from a trusted identity provider>");
      res.locals.approver = await services.approvers.verify(match[1]);
      next();
    } catch (error) {
      next(error);
    }
  };
}

const view = (r: ApprovalRequest) => ({
  request_id: r.id,
  status: r.status === "pending" ? "pending_approval" : r.status,
  agent: r.agent,
  environment: r.environment,
  ...(r.user ? { user: r.user } : {}),
  scope: r.scope,
  resource: r.resource,
  audience: r.audience,
  ttl: r.ttl,
  rule: r.rule,
  ...(r.purpose ? { reason: r.purpose } : {}),
  approvers: r.approvers,
  required: r.count,
  approvals: r.approvals.length,
  approved_by: r.approvals.map((a) => a.subject),
  created_at: iso(r.createdAt),
  expires_at: iso(r.expiresAt),
});

function requestId(req: Request): string {
  const id = String(req.params.id);
  if (!REQUEST_ID.test(id)) throw invalidRequest("not a request id");
  return id;
}

const iso = (ms: number) => new Date(ms).toISOString();
