import type { CallContext } from "../call-context";
import type { CredentialSubject } from "../credentials/token-store";
import type { UpstreamPolicy } from "./upstream-policy";

/** A credential about to leave for an upstream: what its upstream side needs to exist first. */
export interface ProvisionInput {
  readonly upstream: UpstreamPolicy;
  readonly jti: string;
  readonly agent: string;
  readonly user?: string;
  readonly environment: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Epoch seconds: the credential's `exp`, and the end of anything provisioned for it. */
  readonly expiresAt: number;
  /** The request that asks for it: its ids go on any ledger row provisioning writes. */
  readonly call?: CallContext;
}

/** A database login made for one credential: handed out with it, once. */
export interface DatabaseLogin {
  readonly kind: "postgres";
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** Random, valid until the credential expires. Never logged or recorded. */
  readonly password: string;
}

/** A connected account's access token at the upstream, refreshed for one credential (kind `oauth2`). */
export interface UpstreamAccessToken {
  readonly kind: "oauth2";
  /** Never logged or recorded. */
  readonly accessToken: string;
  readonly tokenType: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** The upstream's scopes, when it said. */
  readonly scope?: string;
}

export interface Provisioned {
  /** What the agent receives besides the Locksmith credential. */
  readonly handOut: DatabaseLogin | UpstreamAccessToken;
  /** What the ledger may say about it (never the password). */
  readonly detail: Record<string, string>;
  /** Undoes it when the credential cannot be handed out after all (the audit write failed). */
  undo(): Promise<void>;
}

/** A revocation that reached the token store: by one credential id, or a kill switch's subject. */
export type RevokedTarget = { readonly kind: "jti"; readonly id: string } | CredentialSubject;

/**
 * The upstream side effects around the one hand-out path: issuance calls
 * `provision` between storing the credential's state and recording it, and
 * every revocation calls `revoked`. Upstreams without side effects (an API key
 * used through the proxy) provision nothing.
 */
export interface UpstreamHooks {
  provision(input: ProvisionInput): Promise<Provisioned | undefined>;
  /** Ends, at once, whatever the revoked credentials opened upstream (drops their database roles). */
  revoked(target: RevokedTarget, call: CallContext | undefined): Promise<void>;
}
