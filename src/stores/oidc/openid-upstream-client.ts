import * as oidc from "openid-client";
import {
  UpstreamAuthorizationError,
  type ConnectChecks,
  type OAuthUpstream,
  type UpstreamAuthorization,
  type UpstreamTokens,
} from "../../domain/connections/upstream-authorization";

/** The upstream answers discovery and token requests within this many seconds, or the step fails (never hangs). */
const UPSTREAM_TIMEOUT_SECONDS = 5;

/**
 * UpstreamAuthorization on openid-client 6: discovery from the upstream's `issuer` (or the bundle's
 * explicit endpoints), PKCE S256 and state on the authorization code grant, the refresh token grant
 * with a narrowed `scope`. The client secret is read from the variable the bundle names.
 */
export class OpenIdUpstreamClient implements UpstreamAuthorization {
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(private readonly secret: (name: string) => string | undefined) {}

  async authorizationUrl(upstream: OAuthUpstream, redirectUri: string, checks: ConnectChecks): Promise<string> {
    const config = await this.configuration(upstream);
    const scopes = new Set([...[...upstream.upstreamScopes.values()].flat(), ...upstream.connectScopes]);
    return oidc.buildAuthorizationUrl(config, {
      ...upstream.authorizationParams,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: [...scopes].join(" "),
      state: checks.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    }).href;
  }

  async exchange(upstream: OAuthUpstream, redirectUri: string, callbackUrl: URL, checks: ConnectChecks): Promise<UpstreamTokens> {
    const config = await this.configuration(upstream);
    // openid-client compares the callback URL's origin and path with redirect_uri: give it ours.
    const url = new URL(`${redirectUri}${callbackUrl.search}`);
    try {
      // No ID token is asked for or wanted: an upstream is an OAuth server; the person is Locksmith's signed-in one.
      return tokensOf(
        await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, idTokenExpected: false }),
      );
    } catch (error) {
      throw describe(upstream, error);
    }
  }

  async refresh(upstream: OAuthUpstream, refreshToken: string, scopes: readonly string[]): Promise<UpstreamTokens> {
    const config = await this.configuration(upstream);
    try {
      return tokensOf(await oidc.refreshTokenGrant(config, refreshToken, scopes.length > 0 ? { scope: scopes.join(" ") } : undefined));
    } catch (error) {
      throw describe(upstream, error);
    }
  }

  private configuration(upstream: OAuthUpstream): Promise<oidc.Configuration> {
    const key = `${upstream.id} ${upstream.issuer ?? upstream.tokenEndpoint} ${upstream.clientId}`;
    let config = this.configurations.get(key);
    if (!config) {
      const secret = upstream.clientSecretEnv === undefined ? undefined : this.secret(upstream.clientSecretEnv);
      if (upstream.clientSecretEnv !== undefined && !secret)
        return Promise.reject(
          new UpstreamAuthorizationError("upstream_not_configured", `Locksmith's client secret at ${upstream.id} is not set (${upstream.clientSecretEnv})`),
        );
      const auth = secret === undefined ? oidc.None() : oidc.ClientSecretPost(secret);
      const target = upstream.issuer ?? upstream.tokenEndpoint!;
      // Plain http only to a loopback upstream (a test or sidecar), as the bundle allows.
      const insecure = target.protocol === "http:";
      const options = { execute: insecure ? [oidc.allowInsecureRequests] : [], timeout: UPSTREAM_TIMEOUT_SECONDS };
      config = upstream.issuer
        ? oidc.discovery(upstream.issuer, upstream.clientId, undefined, auth, options).catch((error: unknown) => {
            this.configurations.delete(key);
            throw new UpstreamAuthorizationError("upstream_unreachable", `${upstream.id} cannot be discovered (${(error as Error).message.slice(0, 160)})`);
          })
        : Promise.resolve(explicit(upstream, auth, insecure));
      this.configurations.set(key, config);
    }
    return config;
  }
}

function explicit(upstream: OAuthUpstream, auth: oidc.ClientAuth, insecure: boolean): oidc.Configuration {
  const server = {
    issuer: upstream.authorizationEndpoint!.origin,
    authorization_endpoint: upstream.authorizationEndpoint!.href,
    token_endpoint: upstream.tokenEndpoint!.href,
  };
  const config = new oidc.Configuration(server, upstream.clientId, undefined, auth);
  if (insecure) oidc.allowInsecureRequests(config);
  config.timeout = UPSTREAM_TIMEOUT_SECONDS;
  return config;
}

function tokensOf(answer: oidc.TokenEndpointResponse): UpstreamTokens {
  return {
    accessToken: answer.access_token,
    tokenType: answer.token_type ?? "Bearer",
    ...(answer.expires_in === undefined ? {} : { expiresIn: answer.expires_in }),
    ...(answer.scope === undefined ? {} : { scope: answer.scope }),
    ...(answer.refresh_token === undefined ? {} : { refreshToken: answer.refresh_token }),
  };
}

/** An RFC 6749 `error` code as a page may show it (the callback's is written by whoever opens the URL). */
const errorCode = (value: string) => (/^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(value) ? value : "an error that is not an error code");

function describe(upstream: OAuthUpstream, error: unknown): UpstreamAuthorizationError {
  if (error instanceof oidc.AuthorizationResponseError)
    return new UpstreamAuthorizationError("upstream_refused", `${upstream.id} answered ${errorCode(error.error)}`);
  if (error instanceof oidc.ResponseBodyError) return new UpstreamAuthorizationError("upstream_refused", `${upstream.id} refused (${errorCode(error.error)})`);
  if (error instanceof oidc.ClientError)
    return new UpstreamAuthorizationError("upstream_refused", `${upstream.id}'s answer failed a check (${error.code ?? "invalid"})`);
  return new UpstreamAuthorizationError("upstream_unreachable", `${upstream.id} cannot be reached`);
}
