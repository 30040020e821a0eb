import { LocksmithError } from "../../../../src/domain/errors";
import { checkCanonicalRequest, resourceProblem, scopeProblem } from "../../../../src/domain/policy/canonical-request";
import { whoCan } from "../../../../src/domain/policy/effective-permissions";
import { explainRequest } from "../../../../src/domain/policy/explain";
import { loadPolicyFile } from "../../../../src/domain/policy/load-policy";
import { EXAMPLE_POLICY } from "../../../support/principals";

// One string, one resource (issue 18 #8): a requested resource or scope that another string could
// alias is refused before any pattern sees it.

describe("resourceProblem", () => {
  it.each(["crm:customers/42", "reports:public/secret/payroll", "logs:a.b.c.d", "reports:public/v1.2/..x", "r", "urn:example:a:b", "crm:customers/42/notes"])(
    "accepts the canonical resource %s",
    (resource) => expect(resourceProblem(resource)).toBeUndefined(),
  );

  it.each([
    ["empty", ""],
    ["over 512 characters", `crm:${"a".repeat(509)}`],
    ["a wildcard", "crm:customers/*"],
    ["a `..` segment", "reports:public/x/../secret/payroll"],
    ["a `.` segment", "reports:public/./secret/payroll"],
    ["a final `.` segment", "reports:public/secret/payroll/."],
    ["a `..` right after the colon", "reports:../secret"],
    ["a `.` between colons", "urn:.:x"],
    ["an empty segment", "reports:public//secret/payroll"],
    ["a leading slash", "/reports:public"],
    ["a trailing slash", "reports:public/secret/payroll/"],
    ["a slash right after the colon", "reports:/public"],
    ["an empty part between colons", "urn::x"],
    ["a trailing colon", "reports:"],
    ["percent-encoding", "reports:public/%73ecret/payroll"],
    ["a backslash", "reports:public\\secret"],
    ["a semicolon (`..;`)", "reports:public/..;/secret"],
    ["a query", "reports:public?x"],
    ["a fragment", "reports:public#x"],
    ["a space", "reports:public secret"],
    ["a NUL byte", "reports:public\u0000"],
    ["a DEL", "reports:public\u007f"],
    ["a line feed", "reports:public\n"],
    ["a non-ASCII letter", "reports:sécret"],
    ["a fullwidth solidus", "reports:public\uff0fsecret"],
  ])("refuses %s", (_name, resource) => {
    expect(resourceProblem(resource)).toEqual(expect.any(String));
  });

  it("accepts exactly 512 characters", () => {
    expect(resourceProblem(`crm:${"a".repeat(508)}`)).toBeUndefined();
  });
});

describe("scopeProblem", () => {
  it.each(["crm:read", "files/objects:delete", "a.b-c_d:e/f"])("accepts the canonical scope %s", (scope) => expect(scopeProblem(scope)).toBeUndefined());

  it.each([
    ["no colon", "crmread"],
    ["two colons", "files:objects:delete"],
    ["an empty namespace", ":delete"],
    ["an empty action", "files:"],
    ["a wildcard", "*:delete"],
    ["over 128 characters", `crm:${"r".repeat(125)}`],
    ["a double quote", 'crm:"read"'],
    ["a backslash", "crm:re\\ad"],
    ["a NUL byte", "crm:read\u0000"],
    ["a non-ASCII letter", "crm:réad"],
  ])("refuses %s", (_name, scope) => {
    expect(scopeProblem(scope)).toEqual(expect.any(String));
  });
});

describe("checkCanonicalRequest", () => {
  it("lets a canonical request through", () => {
    expect(() => checkCanonicalRequest({ scopes: ["crm:read", "crm:note"], resource: "crm:customers/42" })).not.toThrow();
  });

  it("refuses an alias with invalid_request, naming the field", () => {
    expect(() => checkCanonicalRequest({ scopes: ["crm:read"], resource: "crm:customers/./42" })).toThrow(
      expect.objectContaining({ code: "invalid_request", description: expect.stringMatching(/^resource: /) }),
    );
    expect(() => checkCanonicalRequest({ scopes: ["crm:read"], resource: "crm:customers/./42" })).toThrow(LocksmithError);
  });

  it("refuses a bad scope, no scope and more than 16 scopes", () => {
    expect(() => checkCanonicalRequest({ scopes: ["crm:read", "crm:read:x"], resource: "crm:customers/42" })).toThrow(
      expect.objectContaining({ code: "invalid_request", description: expect.stringMatching(/^scope: /) }),
    );
    expect(() => checkCanonicalRequest({ scopes: [], resource: "crm:customers/42" })).toThrow(expect.objectContaining({ code: "invalid_request" }));
    const many = Array.from({ length: 17 }, (_, i) => `crm:s${i}`);
    expect(() => checkCanonicalRequest({ scopes: many, resource: "crm:customers/42" })).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });
});

describe("the offline tools answer an alias as Locksmith does", () => {
  it("policy explain refuses it as invalid_request instead of deciding the string", async () => {
    const policy = await loadPolicyFile(EXAMPLE_POLICY);
    expect(explainRequest(policy, "support-agent", { scopes: ["crm:read"], resource: "crm:customers/42" }).decision.outcome).toBe("allow");
    const alias = explainRequest(policy, "support-agent", { scopes: ["crm:read"], resource: "crm:customers/x/../42" });
    expect(alias.decision).toMatchObject({ outcome: "deny", reason: "invalid_request", description: expect.stringMatching(/^resource: /) });
  });

  it("policy who-can says nobody can get an alias", async () => {
    const policy = await loadPolicyFile(EXAMPLE_POLICY);
    expect(whoCan(policy, "crm:read", "crm:customers/42").map((p) => p.agent)).toEqual(["support-agent"]);
    expect(whoCan(policy, "crm:read", "crm:customers/..")).toEqual([]);
    expect(whoCan(policy, "crm:read", "crm:customers/%34%32")).toEqual([]);
    expect(whoCan(policy, "crmread", "crm:customers/42")).toEqual([]);
  });
});
