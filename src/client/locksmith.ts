import { ApprovalTimeout, LocksmithClientError, PermissionDenied } from "./errors";
import { keyLoader, type KeySource } from "./key-source";
import { callLocksmith, type Answer, type TransportOptions } from "./transport";

export interface LocksmithOptions {
  /** Locksmith's base URL, e.g. `http://localhost:8080`. */
  readonly url: string;
  /** This agent's id in the policy bundle. */
  readonly agent: string;
  /** The agent's private key (see KeySource). */
  readonly key: KeySource;
  /** Locksmith's issuer URL when it differs from `url` (behind a proxy). */
  readonly issuer?: string;
  /** Per-attempt time-out in ms (default 5000); retries after 503/network errors (default 2). */
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

/** What to ask for: one operation's scope(s), its one resource, and optionally a shorter life. */
export interface CredentialRequest {
  readonly scope: string | readonly string[];
  readonly resource: string;
  /** Seconds, or "30s" / "5m" / "1h". Default: the policy's. */
  readonly ttl?: number | string;
  /** A user token from a trusted identity provider, when acting for that user. */
  readonly onBehalfOf?: string;
  /** Why, in a sentence: kept in the audit log. */
  readonly reason?: string;
}

export interface Credential {
  /** The bearer token: send it as `Authorization: Bearer <token>`. Never log it. */
  readonly token: string;
  readonly jti: string;
  readonly scope: string;
  readonly resource: string;
  readonly audience: string;
  readonly expiresAt: Date;
  readonly maxUses?: number;
  /** Revokes it now (idempotent). */
  revoke(): Promise<void>;
}

/**
 * 202: a grant needs approval. Thrown by `credential()`, so code that does not
 * expect approval never proceeds without a token; `await error.approved()` waits.
 */
export class ApprovalPending extends LocksmithClientError {
  constructor(readonly requestId: string, private readonly poll: (options: { timeout?: number; interval?: number }) => Promise<Credential>) {
    super("pending_approval", `request ${requestId} is waiting for approval`, 202);
  }

  /** Waits until approved (→ the credential), denied (→ PermissionDenied) or `timeout` ms pass (→ ApprovalTimeout). */
  approved(options: { timeout?: number; interval?: number } = {}): Promise<Credential> {
    return this.poll(options);
  }
}

/**
 * The agent side of Locksmith: a fresh, narrow, short-lived credential per operation.
 *
 * @example
 * const locksmith = new Locksmith({ url: "http://localhost:8080", agent: "support-agent", key: "examples/keys/support-agent.jwk.json" });
 * const res = await locksmith.fetch({ scope: "crm:read", resource: "crm:customers/42" }, "http://localhost:3000/customers/42");
 */
export class Locksmith {
  private readonly transport: TransportOptions;

  constructor(options: LocksmithOptions) {
    const { agent, key, ...rest } = options;
    this.transport = { ...rest, id: agent, key: keyLoader(key) };
  }

  /** Asks for a credential. Throws PermissionDenied, ApprovalPending, InvalidRequest, AuthenticationFailed or Unavailable. */
  async credential(request: CredentialRequest): Promise<Credential> {
    const answer = await callLocksmith(this.transport, "POST", "/v1/credentials", {
      scope: typeof request.scope === "string" ? request.scope : request.scope.join(" "),
      resource: request.resource,
      ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
      ...(request.onBehalfOf === undefined ? {} : { on_behalf_of: request.onBehalfOf }),
      ...(request.reason === undefined ? {} : { reason: request.reason }),
    });
    if (answer.status === 202) {
      const requestId = String(answer.body?.request_id);
      throw new ApprovalPending(requestId, (options) => this.awaitApproval(requestId, options));
    }
    return this.toCredential(answer);
  }

  /** Revokes a credential now; idempotent. */
  async revoke(jti: string): Promise<void> {
    await callLocksmith(this.transport, "DELETE", `/v1/credentials/${encodeURIComponent(jti)}`);
  }

  /**
   * Fresh token per task, revoked after completion: gets a credential, runs
   * `task` with its token, and revokes it when `task` settles, success or throw.
   */
  async withCredential<T>(request: CredentialRequest, task: (token: string, credential: Credential) => Promise<T>): Promise<T> {
    const credential = await this.credential(request);
    try {
      return await task(credential.token, credential);
    } finally {
      // The credential expires anyway: a failed revoke must not hide the task's own outcome.
      await credential.revoke().catch(() => undefined);
    }
  }

  /** One HTTP call with a credential of its own in `Authorization`, revoked once the response arrives. */
  fetch(request: CredentialRequest, url: string | URL, init: RequestInit = {}): Promise<Response> {
    return this.withCredential(request, (token) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      return fetch(url, { ...init, headers });
    });
  }

  private toCredential(answer: Answer): Credential {
    const body = answer.body ?? {};
    const jti = String(body.jti);
    return {
      token: String(body.credential),
      jti,
      scope: String(body.scope),
      resource: String(body.resource),
      audience: String(body.audience),
      expiresAt: new Date(String(body.expires_at)),
      ...(typeof body.max_uses === "number" ? { maxUses: body.max_uses } : {}),
      revoke: () => this.revoke(jti),
    };
  }

  /**
   * Long-polls `GET /v1/credentials/requests/{id}?wait=N` until the request is
   * decided or time runs out. The credential is handed out once: `approved`
   * carries it; `rejected`, `expired` and `collected` (already handed out)
   * never will.
   */
  private async awaitApproval(requestId: string, options: { timeout?: number; interval?: number }): Promise<Credential> {
    const deadline = Date.now() + (options.timeout ?? 300_000);
    for (;;) {
      // Each long poll stays well inside the transport's per-call time-out.
      const wait = Math.max(0, Math.min(3, Math.floor((deadline - Date.now()) / 1000)));
      const answer = await callLocksmith(this.transport, "GET", `/v1/credentials/requests/${encodeURIComponent(requestId)}?wait=${wait}`);
      const status = answer.body?.status;
      if (status === "approved" && typeof answer.body?.credential === "string") return this.toCredential(answer);
      if (status === "rejected" || status === "expired" || status === "collected") {
        throw new PermissionDenied(`approval request ${requestId} is ${status}`, `approval_${status}`);
      }
      if (Date.now() >= deadline) throw new ApprovalTimeout(requestId);
      if (wait === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(options.interval ?? 1000, Math.max(0, deadline - Date.now()))));
    }
  }
}
