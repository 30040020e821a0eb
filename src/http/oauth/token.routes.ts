import { databaseLoginBody } from "../database-login";
import { Router, type RequestHandler, type Response } from "express";
import type { CredentialServices } from "../../domain/credentials/credential-services";
import { issueCredential, type IssueOutcome, type IssueRequest } from "../../domain/credentials/issue-credential";
import { invalidRequest, LocksmithError, type ErrorCode } from "../../domain/errors";
import { authenticate } from "../../domain/identity/authenticate";
import type { DenyReason } from "../../domain/policy/decision";
import type { Principal } from "../../domain/policy/policy";
import type { ClientAuthDeps } from "../middleware/authenticate-client";
import { callOf } from "../middleware/request-context";
import { resource as resourceSchema, scopeList } from "../validation";
import { formBody, formParams } from "./form-params";
import { authenticateOAuthClient } from "./oauth-client";

export const CLIENT_CREDENTIALS = "client_credentials";
export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
/** User tokens an IdP may hand an agent: all are JWTs that Locksmith verifies the same way. */
const SUBJECT_TOKEN_TYPES = new Set([JWT_TOKEN_TYPE, ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:id_token"]);
const MAX_EXPIRES_IN_SECONDS = 86_400;

/** A denial of the policy engine in OAuth's words (RFC 6749 §5.2, RFC 8707 §2). */
const OAUTH_ERROR_OF: Record<DenyReason, ErrorCode> = {
  no_resource_server: "invalid_target",
  environment_wall: "invalid_target",
  ambiguous_resource_server: "invalid_target",
  audience_mismatch: "invalid_target",
  explicit_deny: "invalid_scope",
  no_grant: "invalid_scope",
  user_lacks_scope: "invalid_scope",
  requires_user: "unauthorized_client",
  agent_suspended: "unauthorized_client",
  revoked_since_request: "unauthorized_client",
  approval_required: "invalid_scope",
  ttl_exceeds_policy: "invalid_request",
  upstream_lacks_scope: "invalid_scope",
  upstream_unavailable: "invalid_target",
};

/**
 * POST /oauth/token: `client_credentials` (RFC 6749 §4.4) and token exchange
 * (RFC 8693), both for an agent authenticated with private_key_jwt (RFC 7523)
 * or a workload token, both decided by the same issueCredential as
 * POST /v1/credentials. The answer is RFC 6749 §5.1 with `no-store`.
 */
export function tokenRoutes(services: CredentialServices, auth: ClientAuthDeps, limits: RequestHandler[] = []): Router {
  const router = Router();
  router.post("/oauth/token", ...formBody, authenticateOAuthClient(auth, "agent"), ...limits, async (req, res) => {
    const params = formParams(req);
    const agent = res.locals.principal as Principal;
    let request: IssueRequest;
    switch (params.grant_type) {
      case CLIENT_CREDENTIALS:
        request = credentialRequest(params);
        break;
      case TOKEN_EXCHANGE:
        request = { ...credentialRequest(params), onBehalfOf: await subjectToken(params, agent, auth) };
        break;
      case undefined:
        throw invalidRequest("grant_type is required");
      default:
        throw new LocksmithError("unsupported_grant_type", `grant_type must be ${CLIENT_CREDENTIALS} or ${TOKEN_EXCHANGE}`);
    }
    const outcome = await issueCredential(services, agent, request, callOf(res)).catch((error) => {
      // RFC 8693 §2.2.2: an invalid subject_token is invalid_request.
      throw error instanceof LocksmithError && error.code === "invalid_token" ? invalidRequest(`subject_token: ${error.description}`) : error;
    });
    sendToken(res, outcome, params.grant_type === TOKEN_EXCHANGE);
  });
  return router;
}

function credentialRequest(params: Record<string, string | undefined>): IssueRequest {
  if (params.resource === undefined) throw new LocksmithError("invalid_target", "resource is required: name the one resource the token is for");
  // RFC 8707 §2: an absolute URI without a fragment; Locksmith's resources (crm:customers/42) are such URIs.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(params.resource) || params.resource.includes("#") || !resourceSchema.safeParse(params.resource).success) {
    throw new LocksmithError("invalid_target", "resource must be one concrete absolute URI without a fragment, e.g. crm:customers/42");
  }
  if (params.scope === undefined) throw new LocksmithError("invalid_scope", "scope is required: Locksmith has no default scope");
  const scopes = scopeList.safeParse(params.scope);
  if (!scopes.success) throw new LocksmithError("invalid_scope", "scope must be 1 to 16 space-separated scopes, without wildcards");
  let ttl: number | undefined;
  if (params.expires_in !== undefined) {
    ttl = /^\d{1,6}$/.test(params.expires_in) ? Number(params.expires_in) : NaN;
    if (!(ttl >= 1 && ttl <= MAX_EXPIRES_IN_SECONDS)) throw invalidRequest("expires_in must be a whole number of seconds from 1 to 86400");
  }
  // This endpoint answers a token or an error, never 202: a grant that needs approval opens nothing here.
  return { scopes: scopes.data, resource: params.resource, ttl, audience: params.audience, mayOpenApproval: false };
}

/** RFC 8693 §2.1: the user token to act for, and the optional actor_token, which must be the client itself. */
async function subjectToken(params: Record<string, string | undefined>, agent: Principal, auth: ClientAuthDeps): Promise<string> {
  if (params.subject_token === undefined || params.subject_token_type === undefined) {
    throw invalidRequest("subject_token and subject_token_type are required for token exchange");
  }
  if (!SUBJECT_TOKEN_TYPES.has(params.subject_token_type))
    throw invalidRequest(`subject_token_type ${params.subject_token_type} is not supported: send a JWT user token`);
  if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE && params.requested_token_type !== JWT_TOKEN_TYPE) {
    throw invalidRequest("requested_token_type must be an access_token (a JWT)");
  }
  if (params.actor_token !== undefined) {
    if (params.actor_token_type !== JWT_TOKEN_TYPE) throw invalidRequest(`actor_token_type must be ${JWT_TOKEN_TYPE}`);
    const actor = await authenticate(params.actor_token, auth.policy.current(), auth).catch(() => undefined);
    if (actor?.id !== agent.id) throw invalidRequest("actor_token must be an assertion or workload token of the authenticated client");
  } else if (params.actor_token_type !== undefined) {
    throw invalidRequest("actor_token_type without actor_token");
  }
  return params.subject_token;
}

function sendToken(res: Response, outcome: IssueOutcome, exchanged: boolean): void {
  switch (outcome.kind) {
    case "denied":
      throw new LocksmithError(OAUTH_ERROR_OF[outcome.reason], outcome.description, { reason: outcome.reason });
    case "pending_approval":
      throw new LocksmithError("invalid_scope", `this grant needs approval (request ${outcome.requestId}); ask through POST /v1/credentials`, {
        reason: "pending_approval",
      });
    case "issued":
      res
        .set("Pragma", "no-cache")
        .status(200)
        .json({
          access_token: outcome.credential,
          token_type: "Bearer",
          expires_in: outcome.expiresIn,
          scope: outcome.scope,
          ...(exchanged ? { issued_token_type: ACCESS_TOKEN_TYPE } : {}),
          // A database upstream's login made for this token (RFC 6749 §5.1 allows further parameters).
          ...databaseLoginBody(outcome.upstream),
        });
  }
}
