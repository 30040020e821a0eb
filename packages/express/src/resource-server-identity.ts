import { keyLoader, type KeySource } from "@locksmith/client/internal";
import type { PrivateJwk } from "@locksmith/client/internal";

/** Who this resource server is to Locksmith: its id in the policy and its key. */
export interface ResourceServerIdentity {
  /** Locksmith's base URL. */
  readonly url: string;
  /** Locksmith's issuer URL (the tokens' `iss`, the assertions' `aud`); defaults to `url`. */
  readonly issuer?: string;
  /** This resource server's id in the policy bundle, e.g. `crm-prod`. */
  readonly id: string;
  /** Its private key: a JWK, a JWK file path (re-read on change) or a loader. */
  readonly key: KeySource;
}

export interface ResolvedIdentity {
  readonly url: string;
  readonly issuer: string;
  readonly id: string;
  readonly key: () => Promise<PrivateJwk>;
}

export function resolveIdentity(identity: ResourceServerIdentity): ResolvedIdentity {
  return { url: identity.url, issuer: identity.issuer ?? identity.url, id: identity.id, key: keyLoader(identity.key) };
}
