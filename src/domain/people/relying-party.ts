import type { IdentityProviderPolicy } from "../policy/policy";

/** What binds one login round trip to the browser that started it (OIDC Core §3.1.2.1, RFC 7636). */
export interface LoginChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/**
 * Locksmith as an OpenID Connect relying party (the port; openid-client implements it). Discovery
 * from the IdP's `issuer`, code flow with PKCE (S256) and nonce.
 */
export interface RelyingParty {
  /** Where to send the browser: the IdP's authorization endpoint with state, nonce and the PKCE challenge. */
  authorizationUrl(idp: IdentityProviderPolicy, checks: LoginChecks): Promise<string>;
  /**
   * Redeems the code of the callback URL at the IdP's token endpoint (checking `state`, `iss` per
   * RFC 9207, the verifier) and answers the ID token's claims once verified: signature with the
   * IdP's keys, `iss`, `aud` = our client_id, `exp`, `nonce`. Throws SignInError on any failure.
   */
  exchange(idp: IdentityProviderPolicy, callbackUrl: URL, checks: LoginChecks): Promise<Record<string, unknown>>;
}

/** A sign-in that failed for a reason the person (and the ledger) may see; never holds a token. */
export class SignInError extends Error {
  constructor(
    readonly reason: "idp_error" | "invalid_id_token" | "idp_unreachable" | "login_not_configured",
    description: string,
  ) {
    super(description);
    this.name = "SignInError";
  }
}
