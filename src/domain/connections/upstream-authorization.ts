import type { UpstreamPolicy } from "../upstreams/upstream-policy";

export type OAuthUpstream = Extract<UpstreamPolicy, { kind: "oauth2" }>;

/** What a connect keeps server-side between the redirect and the callback (RFC 9700 §2.1: PKCE and state). */
export interface ConnectChecks {
  readonly state: string;
  readonly codeVerifier: string;
}

/** The upstream's token endpoint answer: only what Locksmith keeps or hands out. */
export interface UpstreamTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Seconds, when the upstream said. */
  readonly expiresIn?: number;
  readonly scope?: string;
  /** Present after a code exchange with offline access, and when the upstream rotates refresh tokens. */
  readonly refreshToken?: string;
}

/** The upstream refused or could not be reached; `message` never holds a token. */
export class UpstreamAuthorizationError extends Error {
  constructor(
    readonly code: "upstream_not_configured" | "upstream_unreachable" | "upstream_refused",
    message: string,
  ) {
    super(message);
    this.name = "UpstreamAuthorizationError";
  }
}

/**
 * Locksmith as an OAuth client of a connected-accounts upstream (authorization code + PKCE,
 * refresh tokens). The store side is openid-client (src/stores/oidc/openid-upstream-client.ts).
 */
export interface UpstreamAuthorization {
  authorizationUrl(upstream: OAuthUpstream, redirectUri: string, checks: ConnectChecks): Promise<string>;
  exchange(upstream: OAuthUpstream, redirectUri: string, callbackUrl: URL, checks: ConnectChecks): Promise<UpstreamTokens>;
  /** A fresh access token from the refresh token, narrowed to `scopes` (RFC 6749 §6) when given. */
  refresh(upstream: OAuthUpstream, refreshToken: string, scopes: readonly string[]): Promise<UpstreamTokens>;
}
