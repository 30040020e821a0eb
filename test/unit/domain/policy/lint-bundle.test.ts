import { bundleSchema } from "../../../../src/domain/policy/bundle-schema";
import { lintBundle } from "../../../../src/domain/policy/lint-bundle";
import { PUBLIC_KEY } from "../../support/bundle-text";

// `policy validate` warnings about patterns that cannot be what their author meant (issue 18 #2 and #7).

const auth = { method: "private_key_jwt", jwks: { keys: [PUBLIC_KEY] } };

/** A bundle with one grant (and optionally one deny) for one production agent. */
function warningsFor(grant: { scopes: string[]; resources: string[] }, deny?: { scopes: string[]; resources: string[] }, served = ["crm:**"]): string[] {
  const bundle = bundleSchema.parse({
    environments: ["production"],
    resource_servers: { "crm-prod": { environment: "production", audience: "https://crm.example.com", resources: served, auth } },
    roles: { reader: { grants: [{ ...grant, max_ttl: 60 }], deny: deny ? [deny] : [] } },
    agents: { "support-agent": { environment: "production", roles: ["reader"], auth } },
  });
  return lintBundle(bundle).map((p) => `${p.path.join(".")}: ${p.message}`);
}

describe("lintBundle: patterns that cannot be what was meant", () => {
  it("says nothing about a sound bundle", () => {
    expect(
      warningsFor({ scopes: ["crm:read", "*:list"], resources: ["crm:customers/*", "crm:orders/**"] }, { scopes: ["*:delete"], resources: ["**"] }),
    ).toEqual([]);
  });

  it.each([
    ["***", "crm:***"],
    ["`*` then `**`", "crm:customers/***/notes"],
    ["four stars", "crm:****"],
  ])("warns on a run of three or more `*` (%s): it means no more than `**`", (_name, pattern) => {
    expect(warningsFor({ scopes: ["crm:read"], resources: [pattern] })).toContainEqual(
      `roles.reader.grants.0.resources.0: "${pattern}" has a run of three or more "*", which means the same as "**": write "**" (across "/") or "*" (within a segment)`,
    );
  });

  it.each([
    ["an empty segment", "crm:customers//notes"],
    ["a trailing slash", "crm:customers/"],
    ["a `..` segment", "crm:customers/../orders"],
    ["a `.` segment", "crm:./customers"],
    ["percent-encoding", "crm:customers/%34%32"],
    ["a query", "crm:customers?id=*"],
  ])("warns on a resource pattern that can never match a canonical resource (%s)", (_name, pattern) => {
    expect(warningsFor({ scopes: ["crm:read"], resources: [pattern] })).toContainEqual(
      expect.stringMatching(
        new RegExp(`^roles\\.reader\\.grants\\.0\\.resources\\.0: "${pattern.replace(/[.*?]/g, "\\$&")}" can never match a requested resource \\(`),
      ),
    );
  });

  it("warns on a deny rule that can never match: it denies nothing", () => {
    expect(warningsFor({ scopes: ["crm:read"], resources: ["crm:**"] }, { scopes: ["crm:read"], resources: ["crm:secret/"] })).toContainEqual(
      expect.stringMatching(/^roles\.reader\.deny\.0\.resources\.0: "crm:secret\/" can never match a requested resource \(/),
    );
  });

  it("warns on a resource server pattern that can never match", () => {
    expect(warningsFor({ scopes: ["crm:read"], resources: ["crm:**"] }, undefined, ["crm:**", "crm:a//b"])).toContainEqual(
      expect.stringMatching(/^resource_servers\.crm-prod\.resources\.1: "crm:a\/\/b" can never match a requested resource \(/),
    );
  });

  it.each([
    ["no `:`", "crmread"],
    ["a `*` spanning namespace and action", "crm*"],
  ])("warns on a scope pattern with %s: scopes are <namespace>:<action>", (_name, pattern) => {
    expect(warningsFor({ scopes: [pattern], resources: ["crm:**"] })).toContainEqual(
      expect.stringMatching(new RegExp(`^roles\\.reader\\.grants\\.0\\.scopes\\.0: "${pattern.replace(/[*]/g, "\\$&")}" has no ":"`)),
    );
  });

  it.each([
    ["two colons", "crm:orders:read"],
    ["an empty namespace", ":read"],
    ["an empty action", "crm:"],
  ])("warns on a scope pattern that can never match a requested scope (%s)", (_name, pattern) => {
    expect(warningsFor({ scopes: ["crm:read"], resources: ["crm:**"] }, { scopes: [pattern], resources: ["**"] })).toContainEqual(
      expect.stringMatching(new RegExp(`^roles\\.reader\\.deny\\.0\\.scopes\\.0: "${pattern}" can never match a requested scope \\(`)),
    );
  });

  it("warns on a circuit breaker's destructive scope that can never match", () => {
    const bundle = bundleSchema.parse({
      environments: ["production"],
      circuit_breaker: { window: 60, max_destructive_requests: 3, destructive_scopes: ["*:delete", "crm:orders:delete"] },
    });
    expect(lintBundle(bundle).map((p) => `${p.path.join(".")}: ${p.message}`)).toEqual([
      expect.stringMatching(/^circuit_breaker\.destructive_scopes\.1: "crm:orders:delete" can never match a requested scope \(/),
    ]);
  });
});
