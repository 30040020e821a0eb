import { createHash } from "node:crypto";
import { parsePolicy, type PolicyLoadError } from "../../../../src/domain/policy/load-policy";
import { delegationOf } from "../../../../src/domain/people/person";
import { scopesOnOffer } from "../../../../src/domain/oauth/scopes-on-offer";
import { isLocalPath } from "../../../../src/domain/people/sign-in";
import { verifierMatches } from "../../../../src/domain/oauth/pkce";
import { html } from "../../../../src/http/pages/html";
import { AUTH } from "../../support/bundle-text";

const MCP = "https://mcp.example.com/mcp";
const bundle = (extra = "") => `
environments: [staging, production]
identity_providers:
  corp:
    issuer: https://idp.example.com
    jwks: { keys: [ { kty: EC, crv: P-256, x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } ] }
    audience: locksmith
    entitlements_claim: entitlements
    login: { client_id: locksmith, client_secret_env: CORP_SECRET, scopes: [entitlements] }
resource_servers:
  crm-mcp: { environment: production, audience: "${MCP}", resources: ["${MCP}"], auth: ${AUTH} }
roles:
  assistant:
    grants:
      - { scopes: [crm:read, crm:note], resources: ["${MCP}"], max_ttl: 5m }
      - { scopes: [crm:refund], resources: ["${MCP}"], approval: { approvers: [group:leads], count: 1 } }
    deny:
      - { scopes: ["*:delete"], resources: ["**"] }
agents:
  desktop:
    environment: production
    roles: [assistant]
    auth: { method: none, redirect_uris: ["http://127.0.0.1:33418/callback"] }
${extra}`;

const problems = (text: string) => {
  try {
    parsePolicy(text, "policy.yaml");
    return [];
  } catch (error) {
    return (error as PolicyLoadError).problems;
  }
};

describe("Token A bundle fields", () => {
  test("a public agent, the login IdP and a metadata-document client compile", () => {
    const policy = parsePolicy(
      bundle(`client_metadata_documents:\n  clients: [ { url: "https://app.example.com/client.json", environment: production, roles: [assistant] } ]`),
      "policy.yaml",
    );
    expect(policy.agents.get("desktop")?.client).toEqual({ kind: "public", redirectUris: ["http://127.0.0.1:33418/callback"] });
    expect(policy.agents.get("https://app.example.com/client.json")?.client).toEqual({ kind: "metadata_document", url: "https://app.example.com/client.json" });
    expect(policy.clientMetadataDocuments).toEqual({ allowPrivateAddresses: false });
    expect([...policy.identityProviders!.values()][0].login).toEqual({ clientId: "locksmith", clientSecretEnv: "CORP_SECRET", scopes: ["entitlements"] });
  });

  test("refuses a redirect URI over http to a public host, with a fragment, or none at all", () => {
    for (const uris of ['["http://evil.example/cb"]', '["https://app.example/cb#x"]', "[]"]) {
      expect(problems(bundle().replace('["http://127.0.0.1:33418/callback"]', uris)).join("\n")).toMatch(/agents\.desktop\.auth\.redirect_uris/);
    }
  });

  test("refuses a client secret written into the bundle, a second login IdP, and a metadata-document client with an unknown role", () => {
    expect(problems(bundle().replace("client_secret_env: CORP_SECRET", "client_secret_env: hunter2-the-secret")).join("\n")).toMatch(
      /client_secret_env: must be an environment variable name/,
    );
    const second = `\n  other:\n    issuer: https://other.example.com\n    jwks_uri: https://other.example.com/jwks\n    audience: locksmith\n    login: { client_id: l, client_secret_env: OTHER }`;
    expect(problems(bundle().replace("resource_servers:", `${second}\nresource_servers:`)).join("\n")).toMatch(/only one identity provider may have login/);
    expect(
      problems(bundle(`client_metadata_documents:\n  clients: [ { url: "https://app.example.com/c.json", environment: production, roles: [nope] } ]`)).join(
        "\n",
      ),
    ).toMatch(/unknown role "nope"/);
    expect(problems(bundle(`client_metadata_documents:\n  clients: [ { url: "http://app.example.com/c.json", environment: production } ]`)).join("\n")).toMatch(
      /client_metadata_documents\.clients\[0\]\.url/,
    );
  });
});

describe("scopes on offer: the same decide as every credential", () => {
  const policy = parsePolicy(bundle(), "policy.yaml");
  const agent = policy.agents.get("desktop")!;
  const person = (entitlements: string[]) => delegationOf({ subject: "mary", identityProvider: "corp", claims: { entitlements } }, policy)!;

  test("role ∩ the person's entitlements; a scope the person lacks is withheld as theirs, one the role lacks as the agent's", () => {
    expect(scopesOnOffer(policy, agent, MCP, ["crm:read", "crm:note", "crm:admin"], person(["crm:read", "crm:admin"]))).toEqual({
      scopes: ["crm:read"],
      withheld: [
        { scope: "crm:note", why: "person_lacks" },
        { scope: "crm:admin", why: "agent_may_not" },
      ],
    });
  });

  test("explicit denies and approval grants are never on offer, even to a person who holds them", () => {
    expect(scopesOnOffer(policy, agent, MCP, ["crm:delete", "crm:refund"], person(["crm:delete", "crm:refund"])).scopes).toEqual([]);
  });

  test("without a scope asked, the agent's literal scopes on the resource are the candidates", () => {
    expect(scopesOnOffer(policy, agent, MCP, undefined, person(["crm:read", "crm:note"])).scopes).toEqual(["crm:read", "crm:note"]);
  });
});

describe("small guards", () => {
  test("returnTo must be a path of Locksmith: no scheme, no protocol-relative or backslash tricks", () => {
    expect(isLocalPath("/oauth/authorize?client_id=x")).toBe(true);
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/oauth/\n", ""])
      expect([bad, isLocalPath(bad)]).toEqual([bad, false]);
  });

  test("PKCE: only the S256 verifier of the challenge matches; short or missing verifiers never do", () => {
    const verifier = "a".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    expect(verifierMatches(verifier, challenge)).toBe(true);
    expect(verifierMatches("b".repeat(43), challenge)).toBe(false);
    expect(verifierMatches(undefined, challenge)).toBe(false);
    expect(verifierMatches("short", challenge)).toBe(false);
    expect(verifierMatches(challenge, challenge)).toBe(false);
  });

  test("pages escape what a client or a person controls (client_name, scopes, subjects)", () => {
    const hostile = `<script>alert(1)</script>"' onmouseover=x`;
    const out = html`<p title="${hostile}">${hostile}</p>${[hostile].map((s) => html`<li>${s}</li>`)}`.text;
    expect(out).not.toMatch(/<script>|" onmouseover/);
    expect(out).toContain("&lt;script&gt;");
  });
});
