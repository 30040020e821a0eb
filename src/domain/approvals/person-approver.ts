import { identityProviderById, type Person } from "../people/person";
import type { Policy } from "../policy/policy";
import type { Approver } from "./approver-authenticator";

/**
 * A signed-in person as an approver, read under the policy in force: their `sub` and the groups of
 * the same `groups_claim` an approver's token is read with, so the console and the approvals API
 * name the same person the same way. Undefined when their identity provider is no longer trusted.
 */
export function approverOf(person: Pick<Person, "subject" | "identityProvider" | "claims">, policy: Policy): Approver | undefined {
  const idp = identityProviderById(policy, person.identityProvider);
  return idp && { subject: person.subject, groups: idp.groups({ ...person.claims }) };
}
