import type { CredentialSubject } from "../credentials/token-store";

/**
 * What a person allowed an agent (an MCP client) at the consent page: scopes on one resource
 * server, for a limited time. Its refresh tokens form one family (RFC 9700 §4.14.2): one is
 * current, each use rotates it, and the reuse of an old one revokes the whole grant.
 */
export interface PersonGrant {
  readonly id: string;
  readonly user: string;
  /** Id of the identity provider the person signed in at. */
  readonly identityProvider: string;
  /** The person's entitlement and group claims as signed in: read again under the policy in force at every refresh. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly agent: string;
  readonly environment: string;
  /** The resource server's audience URL (RFC 8707 `resource`). */
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly grantedAt: number;
  /** Epoch ms: no refresh after this; the person signs in again. */
  readonly expiresAt: number;
}

export interface GrantState {
  readonly grant: PersonGrant;
  readonly revoked: boolean;
  /** jtis of access tokens issued under the grant (the latest few), revoked with it. */
  readonly accessTokens: readonly string[];
}

export type RotateResult =
  | { readonly outcome: "rotated"; readonly state: GrantState }
  /** An old refresh token came back: the grant is now revoked (theft is assumed). */
  | { readonly outcome: "reused"; readonly state: GrantState }
  | { readonly outcome: "revoked"; readonly state: GrantState }
  | { readonly outcome: "unknown" };

/**
 * Grants and their refresh-token families (Redis in production, memory in dev mode). Refresh
 * tokens are kept only as hashes. Every method completes or throws StoreUnavailableError.
 */
export interface GrantStore {
  /** Saves a new grant whose current refresh token has hash `refreshHash`; indexed under its user, agent and environment. */
  create(grant: PersonGrant, refreshHash: string): Promise<void>;
  get(id: string): Promise<GrantState | undefined>;
  /**
   * Atomically: when `presented` is the current refresh token's hash, makes `next` current and
   * answers `rotated`; when it is an earlier one, revokes the grant and answers `reused`; a revoked
   * grant answers `revoked` (nothing rotates); anything else is `unknown`.
   */
  rotate(id: string, presented: string, next: string): Promise<RotateResult>;
  /** Remembers an access token issued under the grant, so revoking the grant revokes it too. */
  noteAccessToken(id: string, jti: string): Promise<void>;
  /** Revokes the grant; the state when it was live until now, undefined when unknown or already revoked. */
  revoke(id: string): Promise<GrantState | undefined>;
  /** Live (unexpired) grants of a person, revoked ones included, newest first. */
  listByUser(user: string): Promise<GrantState[]>;
  /** The kill switch: revokes every live grant of an agent, a user or an environment; returns those newly revoked. */
  revokeSubject(subject: CredentialSubject): Promise<GrantState[]>;
}

/** Access tokens remembered per grant: enough for every token still alive (one per refresh within max_ttl). */
export const ACCESS_TOKENS_PER_GRANT = 16;
