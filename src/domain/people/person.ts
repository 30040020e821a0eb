import type { Delegation } from "../identity/verify-user-token";
import type { IdentityProviderPolicy, Policy } from "../policy/policy";

/**
 * A person signed in at the company's identity provider (never with a password at Locksmith).
 * `subject` is the IdP's `sub`: the `user` of every token issued for them and of every ledger row.
 */
export interface Person {
  readonly subject: string;
  /** Id of the identity provider in the bundle. */
  readonly identityProvider: string;
  /** Only the ID token claims entitlements and groups are read from (see IdentityProviderPolicy.personClaims). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Epoch ms of the sign-in. */
  readonly signedInAt: number;
}

export function identityProviderById(policy: Policy, id: string): IdentityProviderPolicy | undefined {
  return [...(policy.identityProviders?.values() ?? [])].find((idp) => idp.id === id);
}

/** The identity provider people sign in at: the one with `login` in the bundle. */
export function loginProvider(policy: Policy): IdentityProviderPolicy | undefined {
  return [...(policy.identityProviders?.values() ?? [])].find((idp) => idp.login);
}

/**
 * The person as a delegation for `decide`, read under the policy in force now: the same
 * entitlements claim (and scope_mapping) as a user token presented in `on_behalf_of`. Undefined
 * when their identity provider is no longer trusted.
 */
export function delegationOf(person: Pick<Person, "subject" | "identityProvider" | "claims">, policy: Policy): Delegation | undefined {
  const idp = identityProviderById(policy, person.identityProvider);
  return idp && { user: person.subject, identityProvider: idp.id, entitlements: idp.entitlements({ ...person.claims }) };
}

/** What a sign-in keeps of the ID token: the claims entitlements and groups come from, nothing else. */
export function personClaimsOf(idp: IdentityProviderPolicy, claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(idp.personClaims.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
}
