import { isEligible } from "../approvals/approver-authenticator";
import { approverOf } from "../approvals/person-approver";
import type { Person } from "../people/person";
import type { Policy } from "../policy/policy";

/** What a person may do on the console; none: a 403 page and nothing else. */
export const CONSOLE_ROLES = ["auditor", "approver", "admin"] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * The console roles of a signed-in person, read under the policy in force now (a bundle reload takes a
 * group's access away at the next page): `auditor` and `admin` from the bundle's `console:` lists,
 * `approver` when any approval rule names them. Groups come from the same `groups_claim` of the same
 * identity provider as an approver's token, so the console and the approvals API agree on who is who.
 * A person whose identity provider is no longer trusted has no role.
 *
 * @example
 * consoleRolesOf({ subject: "ana", identityProvider: "corp", claims: { groups: ["security"] }, signedInAt }, policy)
 * // → ["auditor"] when the bundle says `console: { auditors: [group:security] }`
 */
export function consoleRolesOf(person: Pick<Person, "subject" | "identityProvider" | "claims">, policy: Policy): ConsoleRole[] {
  const who = approverOf(person, policy);
  if (!who) return [];
  const roles: ConsoleRole[] = [];
  if (isEligible(policy.console?.auditors ?? [], who)) roles.push("auditor");
  if (isEligible(approverLists(policy), who)) roles.push("approver");
  if (isEligible(policy.console?.admins ?? [], who)) roles.push("admin");
  return roles;
}

/** Whether the roles let a person read the ledger: auditors and admins. */
export const readsLedger = (roles: readonly ConsoleRole[]) => roles.includes("auditor") || roles.includes("admin");

/** Every `approvers` entry of every approval rule of every agent. */
function approverLists(policy: Policy): string[] {
  const entries = new Set<string>();
  for (const agent of policy.agents.values()) for (const grant of agent.grants) for (const entry of grant.approval?.approvers ?? []) entries.add(entry);
  return [...entries];
}
