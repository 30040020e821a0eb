import { ApprovalTimeout, InvalidRequest, LocksmithClientError, PermissionDenied } from "./errors";
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

/** A database login made for one credential (an upstream of kind `postgres`), dropped when the credential ends. */
export interface DatabaseLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** Never log it. */
  readonly password: string;
  /** `postgres://username:password@host:port/database`, for drivers that take a URL. */
  readonly connectionString: string;
}

/** A short-lived token of a connected account (an upstream of kind `oauth2`), for the person the agent acts for. */
export interface UpstreamToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
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
  constructor(
    readonly requestId: string,
    private readonly poll: (options: { timeout?: number; interval?: number }) => Promise<Credential>,
  ) {
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
    return this.toCredential(await this.issue(request));
  }

  private async issue(request: CredentialRequest): Promise<Answer> {
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
    return answer;
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

  /**
   * Calls an API-key upstream through Locksmith's egress proxy, so the agent never holds its key:
   * gets a credential for `request.resource` (`<upstream>:<path>`, or `<upstream>` for all of it), sends `init` to
   * `{url}/v1/proxy/<upstream><path>` with it, and revokes it once the response arrives.
   * Locksmith answers 403 itself when the method and path are outside the credential's scopes.
   *
   * @example
   * const res = await locksmith.proxyFetch({ scope: "crm:read", resource: "crm-api:customers/42" }, "/customers/42");
   */
  proxyFetch(request: CredentialRequest, path: string, init: RequestInit = {}): Promise<Response> {
    const upstream = request.resource.split(":")[0];
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(upstream) || !path.startsWith("/"))
      throw new InvalidRequest("resource must be <upstream> or <upstream>:<path>, and path must start with /");
    return this.withCredential(request, (token) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      return fetch(new URL(`/v1/proxy/${upstream}${path}`, this.transport.url), { ...init, headers });
    });
  }

  /**
   * A database login of its own for one task (an upstream of kind `postgres`): a fresh role with only
   * the scope's privileges, valid until the credential expires. Revoked when `task` settles, which
   * ends its sessions and drops the role.
   *
   * @example
   * const rows = await locksmith.databaseCredential({ scope: "db:read", resource: "app-db:app" }, async (login) => {
   *   const client = new pg.Client({ connectionString: login.connectionString });
   *   await client.connect();
   *   try { return (await client.query("SELECT * FROM app.customers")).rows; } finally { await client.end(); }
   * });
   */
  databaseCredential<T>(request: CredentialRequest, task: (login: DatabaseLogin, credential: Credential) => Promise<T>): Promise<T> {
    return this.withAnswer(request, (answer, credential) => {
      const db = answer.body?.database as Omit<DatabaseLogin, "connectionString"> | undefined;
      if (!db) throw new InvalidRequest(`${request.resource} is not a database upstream: Locksmith handed out no login`);
      const connectionString = `postgres://${encodeURIComponent(db.username)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;
      return task({ host: db.host, port: db.port, database: db.database, username: db.username, password: db.password, connectionString }, credential);
    });
  }

  /**
   * A connected account's short-lived access token for the person the agent acts for (an upstream
   * of kind `oauth2`, `request.onBehalfOf` set to the person's token). PermissionDenied with reason
   * `connection_required` when the person has not connected it (the answer names the URL to visit).
   */
  upstreamToken<T>(request: CredentialRequest, task: (token: UpstreamToken, credential: Credential) => Promise<T>): Promise<T> {
    return this.withAnswer(request, (answer, credential) => {
      const upstream = answer.body?.upstream_token as { access_token?: string; expires_at?: string } | undefined;
      if (typeof upstream?.access_token !== "string")
        throw new InvalidRequest(`${request.resource} is not a connected-accounts upstream: Locksmith handed out no upstream token`);
      return task({ accessToken: upstream.access_token, expiresAt: new Date(String(upstream.expires_at)) }, credential);
    });
  }

  /** withCredential with the whole 201 answer, for upstream fields beside the credential. */
  private async withAnswer<T>(request: CredentialRequest, task: (answer: Answer, credential: Credential) => Promise<T>): Promise<T> {
    const answer = await this.issue(request);
    const credential = this.toCredential(answer);
    try {
      return await task(answer, credential);
    } finally {
      await credential.revoke().catch(() => undefined);
    }
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
