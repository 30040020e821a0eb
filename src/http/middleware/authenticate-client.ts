import type { RequestHandler } from "express";
import type { ReplayGuard } from "../../domain/identity/replay-guard";
import { authenticate } from "../../domain/identity/authenticate";
import { invalidClient, LocksmithError } from "../../domain/errors";
import type { Clock } from "../../domain/clock";
import type { PolicySource } from "../../domain/policy/policy-source";
import type { PrincipalKind } from "../../domain/policy/policy";

export interface ClientAuthDeps {
  readonly issuer: string;
  readonly policy: PolicySource;
  readonly replay: ReplayGuard;
  readonly clock: Clock;
}

/**
 * Every v1 call carries `Authorization: Bearer <assertion>`. Authenticates it
 * and admits only the principal kinds the route names; the principal is put
 * on `res.locals.principal`.
 */
export function authenticateClient(deps: ClientAuthDeps, ...kinds: PrincipalKind[]): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get("authorization");
      // The auth-scheme is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
      const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header) : null;
      if (!match) throw invalidClient("send Authorization: Bearer <assertion signed with your registered key>");
      const principal = await authenticate(match[1], deps.policy.current(), deps);
      if (!kinds.includes(principal.kind)) {
        throw new LocksmithError("permission_denied", `a ${principal.kind.replace("_", " ")} may not call this endpoint`, { reason: "wrong_principal_kind" });
      }
      res.locals.principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}
