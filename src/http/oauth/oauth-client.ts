import type { RequestHandler } from "express";
import { authenticate } from "../../domain/identity/authenticate";
import { invalidClient, invalidRequest, LocksmithError } from "../../domain/errors";
import type { PrincipalKind } from "../../domain/policy/policy";
import type { ClientAuthDeps } from "../middleware/authenticate-client";
import { formParams } from "./form-params";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * Client authentication of the OAuth endpoints: `private_key_jwt` (RFC 7523
 * §2.2, `client_assertion_type` + `client_assertion`), the same assertions as
 * the v1 API, or a workload token in `client_assertion` for a federated agent.
 * `Authorization: Bearer <assertion>` is accepted too, as on v1; using both is
 * invalid_request (RFC 6749 §2.3: one method per request). A `client_id`, when
 * sent, must name the authenticated client.
 */
export function authenticateOAuthClient(deps: ClientAuthDeps, ...kinds: PrincipalKind[]): RequestHandler {
  return async (req, res, next) => {
    try {
      const params = formParams(req);
      const header = req.get("authorization");
      if (params.client_assertion !== undefined && header) throw invalidRequest("use one client authentication method, not two");
      let assertion: string;
      if (header) {
        const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header);
        if (!match) throw invalidClient("send a client_assertion (private_key_jwt) or Authorization: Bearer <assertion>");
        assertion = match[1];
      } else {
        if (params.client_assertion === undefined) throw invalidClient("client authentication is required: private_key_jwt (client_assertion)");
        if (params.client_assertion_type !== JWT_BEARER_ASSERTION) throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
        assertion = params.client_assertion;
      }
      const principal = await authenticate(assertion, deps.policy.current(), deps);
      if (params.client_id !== undefined && params.client_id !== principal.id) throw invalidClient("client_id does not name the authenticated client");
      if (!kinds.includes(principal.kind)) {
        throw new LocksmithError("unauthorized_client", `a ${principal.kind.replace("_", " ")} may not use this endpoint`);
      }
      res.locals.principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}
