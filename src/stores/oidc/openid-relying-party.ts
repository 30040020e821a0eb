import { jwtVerify } from "jose";
import * as oidc from "openid-client";
import type { IdentityProviderPolicy } from "../../domain/policy/policy";
import { SignInError, type LoginChecks, type RelyingParty } from "../../domain/people/relying-party";

/** The IdP answers discovery and the token request within this many seconds, or the sign-in fails (never hangs). */
const IDP_TIMEOUT_SECONDS = 5;

/**
 * The RelyingParty port on openid-client (discovery, PKCE, state, nonce, RFC 9207 `iss` checks),
 * with the ID token's signature verified again with jose against the bundle's keys of the IdP
 * (openid-client trusts TLS for ID tokens from the token endpoint; a loopback test IdP has none).
 */
export class OpenIdRelyingParty implements RelyingParty {
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  /** `secret` reads a client secret by the environment variable name the bundle gives (`client_secret_env`). */
  constructor(
    private readonly callbackUrl: string,
    private readonly secret: (name: string) => string | undefined,
  ) {}

  async authorizationUrl(idp: IdentityProviderPolicy, checks: LoginChecks): Promise<string> {
    const config = await this.configuration(idp);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      response_type: "code",
      scope: [...new Set(["openid", ...login(idp).scopes])].join(" "),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    }).href;
  }

  async exchange(idp: IdentityProviderPolicy, callbackUrl: URL, checks: LoginChecks): Promise<Record<string, unknown>> {
    const config = await this.configuration(idp);
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedNonce: checks.nonce,
        expectedState: checks.state,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (error) {
      throw describe(error);
    }
    if (!idToken) throw new SignInError("invalid_id_token", "the identity provider sent no ID token");
    try {
      const { payload } = await jwtVerify(idToken, idp.keys, {
        issuer: idp.issuer,
        audience: login(idp).clientId,
        algorithms: [...idp.algorithms],
        requiredClaims: ["sub", "exp", "iat", "nonce"],
      });
      if (payload.nonce !== checks.nonce) throw new SignInError("invalid_id_token", "the ID token's nonce is not this sign-in's");
      return payload;
    } catch (error) {
      if (error instanceof SignInError) throw error;
      throw new SignInError("invalid_id_token", "the ID token did not verify with the identity provider's keys");
    }
  }

  private configuration(idp: IdentityProviderPolicy): Promise<oidc.Configuration> {
    const { clientId, clientSecretEnv } = login(idp);
    const key = `${idp.issuer} ${clientId}`;
    let config = this.configurations.get(key);
    if (!config) {
      const secret = this.secret(clientSecretEnv);
      if (!secret)
        return Promise.reject(new SignInError("login_not_configured", `the client secret of identity provider ${idp.id} is not set (${clientSecretEnv})`));
      const server = new URL(idp.issuer);
      // Plain http only to a loopback IdP (a test or sidecar), as for jwks_uri in the bundle.
      const insecure = server.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(server.hostname);
      config = oidc
        .discovery(server, clientId, secret, undefined, { execute: insecure ? [oidc.allowInsecureRequests] : [], timeout: IDP_TIMEOUT_SECONDS })
        .catch((error: unknown) => {
          this.configurations.delete(key);
          throw new SignInError("idp_unreachable", `the identity provider ${idp.id} cannot be discovered (${(error as Error).message})`);
        });
      this.configurations.set(key, config);
    }
    return config;
  }
}

const login = (idp: IdentityProviderPolicy) => {
  if (!idp.login) throw new SignInError("login_not_configured", `identity provider ${idp.id} has no login`);
  return idp.login;
};

/** An RFC 6749 `error` code as the ledger and the page may show it: the callback's is written by whoever opens the URL. */
const errorCode = (value: string) => (/^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(value) ? value : "an error that is not an error code");

function describe(error: unknown): SignInError {
  if (error instanceof oidc.AuthorizationResponseError) return new SignInError("idp_error", `the identity provider answered ${errorCode(error.error)}`);
  if (error instanceof oidc.ResponseBodyError) return new SignInError("idp_error", `the identity provider refused the code (${errorCode(error.error)})`);
  // The library's message names the check (e.g. an unexpected "iss": a mix-up); it never holds a token.
  if (error instanceof oidc.ClientError) {
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return new SignInError("invalid_id_token", `the identity provider's answer failed a check (${error.code ?? "invalid"}: ${cause.slice(0, 160)})`);
  }
  return new SignInError("idp_unreachable", "the identity provider cannot be reached");
}
