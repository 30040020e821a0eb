import { createHash, randomBytes } from "node:crypto";
import type { AuditEvent } from "../audit/audit-event";
import type { AuditLog } from "../audit/audit-log";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { Clock } from "../clock";
import { LocksmithError } from "../errors";
import type { Person } from "../people/person";
import type { PolicySource } from "../policy/policy-source";
import type { SecretVault } from "../secrets/secret-vault";
import { newSecret, ticketId } from "../tickets/ticket-id";
import type { TicketStore } from "../tickets/ticket-store";
import type { ProvisionInput, Provisioned, UpstreamHooks } from "../upstreams/upstream-hooks";
import { UpstreamAuthorizationError, type ConnectChecks, type OAuthUpstream, type UpstreamAuthorization, type UpstreamTokens } from "./upstream-authorization";

/** Where the upstream sends the person back: `{LOCKSMITH_ISSUER}/v1/connections/callback` (register it at the upstream). */
export const CONNECT_CALLBACK_PATH = "/v1/connections/callback";
/** A connect must come back within this. */
export const CONNECT_TTL_MS = 10 * 60_000;

/** The page a person visits to connect an upstream. */
export const connectPath = (upstream: string) => `/v1/connections/${encodeURIComponent(upstream)}/connect`;

/**
 * The sealed refresh token's owner: the person. It is both the SecretStore's lookup key and part of
 * the AEAD associated data, so one person's connection never opens as another's.
 */
export const connectionOwner = (user: string) => `person:${user}`;

export interface ConnectedAccountsDeps {
  readonly issuer: string;
  readonly policy: PolicySource;
  readonly tickets: TicketStore;
  readonly secrets: SecretVault;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly authorization: UpstreamAuthorization;
}

interface ConnectTransaction extends ConnectChecks {
  readonly upstream: string;
  readonly person: string;
  /** SHA-256 of the Locksmith session that began it: the callback must come back to the same signed-in browser. */
  readonly session: string;
}

export interface Connection {
  readonly upstream: string;
  readonly connectedAt: Date;
  readonly updatedAt: Date;
}

/**
 * Connected accounts (upstreams of kind `oauth2`): a signed-in person connects an upstream
 * (authorization code + PKCE + state at the upstream), Locksmith keeps the refresh token sealed
 * under the person, and an agent acting for that person gets a short-lived upstream access token
 * through the one hand-out path (`provision`, the upstream hook of handOutCredential).
 */
export class ConnectedAccounts implements UpstreamHooks {
  constructor(private readonly deps: ConnectedAccountsDeps) {}

  get callbackUrl(): string {
    return `${this.deps.issuer}${CONNECT_CALLBACK_PATH}`;
  }

  /** Starts a connect: the upstream's authorization URL to send the person's browser to. */
  async begin(person: Person, session: string, upstreamId: string): Promise<string> {
    const upstream = this.upstream(upstreamId);
    const checks = { state: newSecret(), codeVerifier: randomBytes(48).toString("base64url") };
    const transaction: ConnectTransaction = { ...checks, upstream: upstream.id, person: person.subject, session: digest(session) };
    await this.deps.tickets.put(ticketId("connect", checks.state), JSON.stringify(transaction), CONNECT_TTL_MS);
    return this.deps.authorization.authorizationUrl(upstream, this.callbackUrl, checks);
  }

  /**
   * The upstream's callback: spends the transaction named by `state` (once, same person and
   * session), redeems the code, seals the refresh token under (person, upstream), records
   * `connection_made`. A failure changes nothing and says why, without any token.
   */
  async complete(person: Person, session: string, callbackUrl: URL, call: CallContext): Promise<{ readonly upstream: string } | { readonly failed: string }> {
    const state = callbackUrl.searchParams.get("state");
    const taken = state ? await this.deps.tickets.take(ticketId("connect", state)) : { status: "unknown" as const };
    if (taken.status !== "fresh") return { failed: "This connection attempt is unknown, expired or already used: start again." };
    const transaction = JSON.parse(taken.value) as ConnectTransaction;
    if (transaction.person !== person.subject || transaction.session !== digest(session))
      return { failed: "This connection attempt was started by another sign-in: start again." };
    const upstream = this.deps.policy.current().upstreams?.get(transaction.upstream);
    if (upstream?.kind !== "oauth2") return { failed: `The upstream ${transaction.upstream} is no longer offered.` };
    let refreshToken: string | undefined;
    try {
      refreshToken = (await this.deps.authorization.exchange(upstream, this.callbackUrl, callbackUrl, transaction)).refreshToken;
    } catch (error) {
      if (error instanceof UpstreamAuthorizationError) return { failed: error.message };
      throw error;
    }
    if (!refreshToken) return { failed: `${upstream.id} sent no refresh token: Locksmith cannot act for you later (ask for offline access).` };
    await this.seal(upstream.id, person.subject, refreshToken, call);
    await this.record("connection_made", person.subject, upstream.id, call);
    return { upstream: upstream.id };
  }

  /** The person's connections: upstream and dates, never a token. */
  async list(person: Person): Promise<Connection[]> {
    const owner = connectionOwner(person.subject);
    return (await this.deps.secrets.list())
      .filter((secret) => secret.owner === owner && this.deps.policy.current().upstreams?.get(secret.upstream)?.kind === "oauth2")
      .map((secret) => ({ upstream: secret.upstream, connectedAt: secret.createdAt, updatedAt: secret.updatedAt }));
  }

  /** Forgets the person's refresh token at once; idempotent. The next request for that upstream is `connection_required`. */
  async disconnect(person: Person, upstreamId: string, call: CallContext): Promise<boolean> {
    const removed = await this.deps.secrets.delete({ upstream: upstreamId, owner: connectionOwner(person.subject), actor: person.subject }, call);
    await this.record("connection_removed", person.subject, upstreamId, call, removed ? undefined : "unknown");
    return removed;
  }

  /** The upstream side of a credential for an `oauth2` upstream: a fresh access token of that person's connection. */
  async provision(input: ProvisionInput): Promise<Provisioned | undefined> {
    const { upstream } = input;
    if (upstream.kind !== "oauth2") return undefined;
    // decide already refuses without a person; this holds even if a new path forgets to ask.
    if (!input.user) throw new LocksmithError("permission_denied", `upstream ${upstream.id} is only used for a person`, { reason: "requires_user" });
    const stored = await this.deps.secrets.reveal(upstream.id, connectionOwner(input.user));
    if (!stored) throw await this.connectionRequired(input, upstream, input.user);
    const scopes = [...new Set(input.scopes.flatMap((scope) => upstream.upstreamScopes.get(scope) ?? []))];
    let tokens: UpstreamTokens;
    try {
      tokens = await this.deps.authorization.refresh(upstream, stored.toString("utf8"), scopes);
    } catch (error) {
      if (!(error instanceof UpstreamAuthorizationError)) throw error;
      // A refused refresh token (revoked or expired at the upstream): only the person can mend it.
      if (error.code === "upstream_refused") throw await this.connectionRequired(input, upstream, input.user);
      throw new LocksmithError("bad_gateway", `cannot refresh the connection at upstream ${upstream.id}`);
    }
    // A rotated refresh token replaces the old one, sealed again (the old one is dead at the upstream).
    if (tokens.refreshToken && tokens.refreshToken !== stored.toString("utf8"))
      await this.seal(upstream.id, input.user, tokens.refreshToken, input.call ?? { requestId: "provision" });
    const now = Math.floor(this.deps.clock.now() / 1000);
    return {
      handOut: {
        kind: "oauth2",
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType,
        expiresAt: now + (tokens.expiresIn ?? input.expiresAt - now),
        ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
      },
      detail: { upstream: upstream.id, upstream_scope: tokens.scope ?? scopes.join(" ") },
      // Nothing to take back: the access token dies at the upstream on its own; no agent received it.
      undo: async () => undefined,
    };
  }

  async revoked(): Promise<void> {
    // Upstream access tokens live on at the upstream until they expire; the connection itself stays the person's.
  }

  private upstream(id: string): OAuthUpstream {
    const upstream = this.deps.policy.current().upstreams?.get(id);
    if (upstream?.kind !== "oauth2") throw new LocksmithError("not_found", `no connected-accounts upstream ${id}`);
    return upstream;
  }

  private async seal(upstream: string, user: string, refreshToken: string, call: CallContext): Promise<void> {
    const write = { upstream, owner: connectionOwner(user), actor: user };
    const value = Buffer.from(refreshToken, "utf8");
    try {
      await this.deps.secrets.put(write, value, call);
    } catch (error) {
      if (!(error instanceof LocksmithError) || error.code !== "conflict") throw error;
      await this.deps.secrets.rotate(write, value, call);
    }
  }

  /** The refusal the agent gets (with the page the person must visit), recorded as a `denied` row: person → agent → upstream. */
  private async connectionRequired(input: ProvisionInput, upstream: OAuthUpstream, user: string): Promise<LocksmithError> {
    const url = `${this.deps.issuer}${connectPath(upstream.id)}`;
    await this.deps.audit.append({
      type: "denied",
      occurredAt: new Date(this.deps.clock.now()),
      decision: "deny",
      reason: "connection_required",
      environment: input.environment,
      agent: input.agent,
      user,
      actor: upstream.id,
      scope: input.scopes.join(" "),
      resource: input.resource,
      ...(input.call ? ledgerEnvelope(input.call, this.deps.policy.current().version) : {}),
      detail: { upstream: upstream.id },
    });
    return new LocksmithError("permission_denied", `${user} has not connected ${upstream.id} (or the connection ended): they must visit ${url}`, {
      reason: "connection_required",
      connect_url: url,
    });
  }

  private record(type: "connection_made" | "connection_removed", user: string, upstream: string, call: CallContext, reason?: string): Promise<void> {
    const event: AuditEvent = {
      type,
      occurredAt: new Date(this.deps.clock.now()),
      decision: "allow",
      user,
      actor: upstream,
      ...(reason ? { reason } : {}),
      ...ledgerEnvelope(call, this.deps.policy.current().version),
      detail: { upstream },
    };
    return this.deps.audit.append(event);
  }
}

const digest = (secret: string) => createHash("sha256").update(secret).digest("base64url");
