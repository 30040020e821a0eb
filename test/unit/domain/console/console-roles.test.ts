import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { consoleRolesOf, readsLedger } from "../../../../src/domain/console/console-roles";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { COMPANY_POLICY } from "../../../support/principals";

// Console roles come from the bundle's `console:` groups and the approval rules' approvers, read from
// the person's groups claim at their identity provider, under the policy in force.

const company = readFileSync(COMPANY_POLICY, "utf8");
const policy = parsePolicy(company, "company-policy.yaml");
const person = (groups: unknown, subject = "someone", identityProvider = "corp") => ({ subject, identityProvider, claims: { groups } });

describe("consoleRolesOf", () => {
  test("an auditor's group makes an auditor, who reads the ledger", () => {
    expect(consoleRolesOf(person(["security"]), policy)).toEqual(["auditor"]);
    expect(readsLedger(["auditor"])).toBe(true);
  });

  test("a group an approval rule names makes an approver, who does not read the ledger", () => {
    expect(consoleRolesOf(person(["sre"]), policy)).toEqual(["approver"]);
    expect(consoleRolesOf(person(["payments-leads"]), policy)).toEqual(["approver"]);
    expect(readsLedger(["approver"])).toBe(false);
  });

  test("an admin's group makes an admin; several groups give several roles", () => {
    expect(consoleRolesOf(person(["platform", "sre", "security"]), policy)).toEqual(["auditor", "approver", "admin"]);
  });

  test("a person in no console group, with no groups claim, or a non-list claim, has no role", () => {
    expect(consoleRolesOf(person(["marketing"]), policy)).toEqual([]);
    expect(consoleRolesOf({ subject: "x", identityProvider: "corp", claims: {} }, policy)).toEqual([]);
    expect(consoleRolesOf(person("security"), policy)).toEqual(["auditor"]);
    expect(consoleRolesOf(person({ 0: "security" }), policy)).toEqual([]);
  });

  test("user:SUBJECT names one person; a group name is not a subject", () => {
    const bundle = parse(company);
    bundle.console = { auditors: ["user:ana"], admins: [] };
    const named = parsePolicy(stringify(bundle), "named.yaml");
    expect(consoleRolesOf(person([], "ana"), named)).toEqual(["auditor"]);
    expect(consoleRolesOf(person([], "security"), named)).toEqual([]);
    expect(consoleRolesOf(person(["ana"], "bob"), named)).toEqual([]);
  });

  test("a person of an identity provider the policy no longer trusts has no role", () => {
    expect(consoleRolesOf(person(["security", "platform"], "ana", "gone"), policy)).toEqual([]);
  });

  test("a bundle without a console section has approvers only", () => {
    const bundle = parse(company);
    delete bundle.console;
    const without = parsePolicy(stringify(bundle), "without.yaml");
    expect(consoleRolesOf(person(["security", "platform", "sre"]), without)).toEqual(["approver"]);
  });

  test("the bundle refuses console entries that are not group:NAME or user:NAME, and unknown console fields", () => {
    const bundle = parse(company);
    bundle.console = { auditors: ["security"] };
    expect(() => parsePolicy(stringify(bundle), "bad.yaml")).toThrow(/console\.auditors\[0\]: must be group:NAME or user:NAME/);
    bundle.console = { auditors: [], approvers: ["group:sre"] };
    expect(() => parsePolicy(stringify(bundle), "bad.yaml")).toThrow(/approvers/);
  });
});
