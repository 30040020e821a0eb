import { parsePolicy, PolicyLoadError } from "../../../../src/domain/policy/load-policy";
import { AUTH } from "../../support/bundle-text";

// identity_providers and workload_issuers in the bundle: what a platform team gets told when it is wrong.

const FILE = "bundles/team.yaml";

const bundle = (extra: string, agentAuth = AUTH) => `environments: [production]
${extra}
agents:
  bot:
    environment: production
    auth: ${agentAuth}
`;

function problems(text: string): string[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.problems;
    throw error;
  }
  return [];
}

const IDP = `identity_providers:
  corp:
    issuer: https://idp.example.com
    jwks_uri: https://idp.example.com/jwks
    audience: locksmith`;

describe("trusted issuers in the bundle", () => {
  test("compiles an identity provider and a federated agent, with the verifiers built at load", () => {
    const policy = parsePolicy(
      bundle(
        `${IDP}
workload_issuers:
  ci:
    issuer: https://ci.example.com
    jwks: { keys: [{ kty: OKP, crv: Ed25519, x: "k6mDp6fV32tPb3LnMgLadlsHO5lfEfztwrHkS7Cdq58" }] }`,
        JSON.stringify({ method: "workload_identity", issuer: "ci", subject: "repo:a/b" }),
      ),
      FILE,
    );
    expect(policy.identityProviders?.get("https://idp.example.com")).toMatchObject({
      id: "corp",
      audience: "locksmith",
      algorithms: ["RS256", "ES256", "EdDSA"],
    });
    expect(policy.workloadIssuers?.get("https://ci.example.com")?.subjects.get("repo:a/b")).toEqual({ agent: "bot", claims: {} });
  });

  test("names a provider with both jwks_uri and jwks", () => {
    const found = problems(
      bundle(`${IDP}
    jwks: { keys: [{ kty: RSA, n: "x", e: "AQAB" }] }`),
    );
    expect(found).toEqual([expect.stringMatching(/identity_providers\.corp: give exactly one of jwks_uri and jwks/)]);
  });

  test("names an http jwks_uri off loopback and HS256 in the allow-list", () => {
    const found = problems(
      bundle(`identity_providers:
  corp:
    issuer: https://idp.example.com
    jwks_uri: http://idp.example.com/jwks
    jwks: { keys: [{ kty: RSA, n: "x", e: "AQAB" }] }
    audience: locksmith
    algorithms: [HS256]`),
    );
    expect(found.join("\n")).toMatch(/jwks_uri: must be an https URL/);
    expect(found.join("\n")).toMatch(/algorithms\[0\]/);
  });

  test("compiles an identity provider's approver_audience, and refuses one equal to its (delegation) audience", () => {
    const policy = parsePolicy(
      bundle(`${IDP}
    approver_audience: locksmith-approvals`),
      FILE,
    );
    expect(policy.identityProviders?.get("https://idp.example.com")).toMatchObject({ audience: "locksmith", approverAudience: "locksmith-approvals" });
    expect(parsePolicy(bundle(IDP), FILE).identityProviders?.get("https://idp.example.com")?.approverAudience).toBeUndefined();
    const found = problems(
      bundle(`${IDP}
    approver_audience: locksmith`),
    );
    expect(found).toEqual([expect.stringMatching(/identity_providers\.corp\.approver_audience: must differ from audience/)]);
  });

  test("names an agent bound to an unknown workload issuer", () => {
    const found = problems(bundle("", JSON.stringify({ method: "workload_identity", issuer: "nowhere", subject: "x" })));
    expect(found).toEqual([expect.stringMatching(/agents\.bot\.auth\.issuer: unknown workload issuer "nowhere"/)]);
  });
});
