import type { RequestHandler, Response } from "express";
import type { CallContext } from "../../domain/call-context";
import type { RequestGate } from "../../domain/credentials/request-gate";
import { DeferredChecks } from "../../domain/identity/deferred-checks";
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
      const principal = await authenticate(match[1], deps.policy.current(), { ...deps, replay: checksOf(res) ?? deps.replay });
      if (!kinds.includes(principal.kind)) {
        throw new LocksmithError("permission_denied", `a ${principal.kind.replace("_", " ")} may not call this endpoint`, { reason: "wrong_principal_kind" });
      }
      res.locals.principal = principal;
      next();
    } catch (error) {
      // A deferred replay marker is made before the refusal is answered, as it was when authenticate made it.
      const checks = checksOf(res);
      if (checks) await checks.settle().then(() => next(error), next);
      else next(error);
    }
  };
}

/**
 * Before `authenticateClient` on a hot-path route (issuance, redemption): the
 * replay marker and rate-limit counts are deferred to the use case's one store
 * call (`RequestGate`). The route's handler goes in `withCallerChecks`.
 */
export function deferCallerChecks(gate: RequestGate): RequestHandler {
  return (_req, res, next) => {
    res.locals.call = { ...(res.locals.call as CallContext), checks: new DeferredChecks(gate) } satisfies CallContext;
    next();
  };
}

/** Runs a hot-path handler; whatever way it ends, checks nobody made are made first, and their refusal wins. */
export function withCallerChecks(handler: (req: Parameters<RequestHandler>[0], res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (error) {
      await checksOf(res)?.settle();
      throw error;
    }
    await checksOf(res)?.settle(); // nothing left on every path of the use cases; a safety net, never a second answer
  };
}

const checksOf = (res: Response) => (res.locals.call as CallContext | undefined)?.checks;
