import type { Request, RequestHandler } from "express";
import type { JWTVerifyGetKey } from "jose";
import { Unavailable } from "@locksmith/client";
import { callLocksmith } from "@locksmith/client/internal";
import { refuse, type Refusal } from "./challenge";
import { resolveIdentity, type ResolvedIdentity, type ResourceServerIdentity } from "./resource-server-identity";
import { RevocationList } from "./revocation-list";
import { RevocationListener, type RevocationListenerOptions } from "./revocation-listener";
import { remoteKeys, verifyOffline, type CredentialClaims } from "./verify-offline";

/** What a handler behind `requireCredential` finds on `req.locksmith`. */
export interface VerifiedCredential {
  readonly jti: string;
  readonly agent: string;
  readonly user?: string;
  readonly scope: readonly string[];
  readonly resource: string;
  /** true when Locksmith redeemed it for this request (a use was spent and logged). */
  readonly redeemed: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      locksmith?: VerifiedCredential;
    }
  }
}

export interface ResourceServerOptions extends ResourceServerIdentity {
  /** This server's audience in the policy, e.g. `https://crm.example.com`. */
  readonly audience: string;
  /** Offline mode while the revocation stream is down: `redeem` online (default) or `reject` with 503. Both fail closed. */
  readonly whenStreamDown?: "redeem" | "reject";
  readonly stream?: RevocationListenerOptions;
  /** RFC 9728 metadata URL to name in 401s (MCP servers; see protectedResourceMetadata). */
  readonly resourceMetadata?: string;
  /**
   * This server's environment, e.g. `production`. Optional: offline mode learns it from the revocation
   * stream, which Locksmith sends for this server's identity; when given, a stream naming another is
   * never trusted. Offline verification refuses tokens whose `env` is not this environment.
   */
  readonly environment?: string;
}

export interface RequireOptions {
  /**
   * The scope(s) this request needs; every one must be in the token. A function decides per request
   * (an MCP endpoint: the scope of the tool a `tools/call` names, none for discovery).
   */
  readonly scope: string | readonly string[] | ((req: Request) => string | readonly string[]);
  /**
   * The resource this request touches; must equal the token's. An MCP server's resource is its own
   * URL (the RFC 8707 `resource` its clients ask for): pass that string.
   */
  readonly resource: string | ((req: Request) => string);
  /** `online` (default): redeem at Locksmith (spends a use, sees revocations, is logged). `offline`: verify locally, revocations by stream. */
  readonly redeem?: "online" | "offline";
}

/**
 * An API that accepts Locksmith credentials.
 *
 * @example
 * const locksmith = new LocksmithResourceServer({ url, id: "crm-prod", key: "crm-prod.jwk.json", audience: "https://crm.example.com" });
 * app.get("/customers/:id", locksmith.requireCredential({ scope: "crm:read", resource: (req) => `crm:customers/${req.params.id}` }), handler);
 */
export class LocksmithResourceServer {
  private readonly identity: ResolvedIdentity;
  private readonly keys: JWTVerifyGetKey;
  private readonly revoked = new RevocationList();
  private listener?: RevocationListener;

  constructor(private readonly options: ResourceServerOptions) {
    this.identity = resolveIdentity(options);
    this.keys = remoteKeys(options.url);
  }

  /** true while offline verification hears every revocation. */
  get streamLive(): boolean {
    return this.listener?.live ?? false;
  }

  requireCredential(required: RequireOptions): RequestHandler {
    const scopesOf = (req: Request) => {
      const scope = typeof required.scope === "function" ? required.scope(req) : required.scope;
      return typeof scope === "string" ? scope.split(" ").filter(Boolean) : [...scope];
    };
    const resourceOf = typeof required.resource === "string" ? () => required.resource as string : required.resource;
    const mode = required.redeem ?? "online";
    if (mode === "offline")
      this.listener ??= new RevocationListener(this.identity, this.revoked, { ...this.options.stream, environment: this.options.environment });
    return async (req, res, next) => {
      try {
        const outcome = await this.check(req, scopesOf(req), resourceOf(req), mode);
        if ("status" in outcome) return refuse(res, outcome, this.options.audience, this.options.resourceMetadata);
        req.locksmith = outcome;
        next();
      } catch (error) {
        next(error);
      }
    };
  }

  /** Stops listening for revocations. */
  async close(): Promise<void> {
    await this.listener?.close();
  }

  private async check(req: Request, scopes: string[], resource: string, mode: "online" | "offline"): Promise<VerifiedCredential | Refusal> {
    const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(req.get("authorization") ?? "")?.[1];
    if (!token) return { status: 401, description: "send a Locksmith credential as Authorization: Bearer <token>" };
    const verified = await verifyOffline(token, this.keys, { issuer: this.identity.issuer, audience: this.options.audience });
    if (!verified.ok) {
      return verified.unavailable
        ? { status: 503, error: "temporarily_unavailable", description: verified.description }
        : { status: 401, error: "invalid_token", description: verified.description };
    }
    const { claims } = verified;
    // insufficient_scope names only what is really missing, so an MCP client's step-up asks for exactly that (RFC 6750 §3.1).
    const missing = scopes.filter((scope) => !claims.scope.includes(scope));
    if (missing.length > 0) {
      return { status: 403, error: "insufficient_scope", description: `this request needs ${missing.join(" ")} on ${resource}`, scope: missing.join(" ") };
    }
    if (claims.resource !== resource) {
      return {
        status: 403,
        error: "invalid_target",
        description: `the token is for ${claims.resource}; this request touches ${resource}: ask for a credential for it`,
      };
    }
    if (mode === "offline" && this.listener?.live) {
      // Every environment's keys are in one JWKS, so the signature alone does not keep the environment wall.
      if (claims.environment !== this.listener.environment)
        return { status: 401, error: "invalid_token", description: "the token was issued for another environment" };
      return this.revoked.isRevoked(claims) ? { status: 401, error: "invalid_token", description: "the token was revoked" } : describe(claims, false);
    }
    if (mode === "offline" && this.options.whenStreamDown === "reject") {
      return { status: 503, error: "temporarily_unavailable", description: "revocations cannot be checked right now" };
    }
    return this.redeem(token, scopes, resource, claims);
  }

  private async redeem(token: string, scopes: string[], resource: string, claims: CredentialClaims): Promise<VerifiedCredential | Refusal> {
    try {
      const answer = await callLocksmith(this.identity, "POST", "/v1/credentials/redeem", {
        credential: token,
        ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
        resource,
      });
      if (answer.body?.active !== true) return { status: 401, error: "invalid_token", description: "the token is revoked, used up or expired" };
      return describe(claims, true);
    } catch (error) {
      if (error instanceof Unavailable)
        return { status: 503, error: "temporarily_unavailable", description: "Locksmith cannot be reached to redeem the token" };
      throw error;
    }
  }
}

const describe = (claims: CredentialClaims, redeemed: boolean): VerifiedCredential => ({
  jti: claims.jti,
  agent: claims.agent,
  ...(claims.user ? { user: claims.user } : {}),
  scope: claims.scope,
  resource: claims.resource,
  redeemed,
});
