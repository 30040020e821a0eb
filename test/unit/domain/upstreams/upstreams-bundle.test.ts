import { parsePolicy, PolicyLoadError } from "../../../../src/domain/policy/load-policy";
import { decide } from "../../../../src/domain/policy/decide";
import { AUTH } from "../../support/bundle-text";

const FILE = "bundles/upstreams.yaml";

const bundle = (upstreams: string) => `environments: [staging, production]
upstreams:
${upstreams}
roles:
  reader:
    grants:
      - scopes: [crm:read, crm:write]
        resources: ["crm-api:**"]
        max_ttl: 5m
agents:
  prod-agent:
    environment: production
    roles: [reader]
    auth: ${AUTH}
  staging-agent:
    environment: staging
    roles: [reader]
    auth: ${AUTH}
`;

const CRM = `  crm-api:
    kind: api_key
    environment: production
    base_url: https://crm.example.com/api
    key: { in: header, name: X-Api-Key }
    scopes:
      crm:read: ["GET /customers/*"]`;

function problems(text: string): string[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.problems;
    throw error;
  }
  throw new Error("the bundle was accepted");
}

test("an upstream is a resource server of its environment serving <id>:**, decided like any other", () => {
  const policy = parsePolicy(bundle(CRM), FILE);
  const upstream = policy.upstreams!.get("crm-api")!;
  expect(upstream).toMatchObject({ kind: "api_key", environment: "production", audience: "urn:locksmith:upstream:crm-api" });

  const allowed = decide(policy, policy.agents.get("prod-agent")!, { scopes: ["crm:read"], resource: "crm-api:customers/42" });
  expect(allowed).toMatchObject({ outcome: "allow", resourceServer: { id: "crm-api", upstream: { id: "crm-api" } } });
  expect(decide(policy, policy.agents.get("staging-agent")!, { scopes: ["crm:read"], resource: "crm-api:customers/42" })).toMatchObject({
    outcome: "deny",
    reason: "environment_wall",
  });
});

test("role ∩ upstream: a scope the role grants but the upstream does not allow is denied", () => {
  const policy = parsePolicy(bundle(CRM), FILE);
  expect(decide(policy, policy.agents.get("prod-agent")!, { scopes: ["crm:write"], resource: "crm-api:customers/42" })).toMatchObject({
    outcome: "deny",
    reason: "upstream_lacks_scope",
  });
});

test("a connected-accounts upstream is refused at decision time without a person to act for (its tokens are people's)", () => {
  const policy = parsePolicy(
    bundle(`  crm-api:
    kind: oauth2
    environment: production
    issuer: https://idp.crm.example.com
    client_id: locksmith
    scopes:
      crm:read: [contacts.read]`),
    FILE,
  );
  expect(decide(policy, policy.agents.get("prod-agent")!, { scopes: ["crm:read"], resource: "crm-api:customers/42" })).toMatchObject({
    outcome: "deny",
    reason: "requires_user",
  });
});

test.each([
  ["an unknown field", `${CRM}\n    timeout: 5`, /upstreams\.crm-api\.timeout: .*[Uu]nrecognized/],
  [
    "a plain-http base URL off loopback",
    CRM.replace("https://crm.example.com/api", "http://crm.example.com/api"),
    /upstreams\.crm-api\.base_url: must be an https URL/,
  ],
  ["a base URL with credentials", CRM.replace("https://crm.example.com/api", "https://u:p@crm.example.com/api"), /base_url: must not carry/],
  ["an operation without a method", CRM.replace('"GET /customers/*"', '"/customers/*"'), /upstreams\.crm-api\.scopes\.crm:read\[0\]: must be "METHOD \/path"/],
  ["a .. in an operation", CRM.replace('"GET /customers/*"', '"GET /customers/../admin"'), /must not contain \. or \.\. segments/],
  ["an unknown environment", CRM.replace("environment: production", "environment: prod"), /upstreams\.crm-api\.environment: unknown environment "prod"/],
  ["an unknown kind", CRM.replace("kind: api_key", "kind: ftp"), /upstreams\.crm-api\.kind/],
  [
    "a SQL identifier that is not plain",
    `  app-db:
    kind: postgres
    environment: production
    scopes:
      db:read: [{ schema: 'app"; DROP TABLE x; --', privileges: [SELECT] }]`,
    /upstreams\.app-db\.scopes\.db:read\[0\]\.schema: must be a plain SQL identifier/,
  ],
  [
    "a privilege that is not one",
    `  app-db:
    kind: postgres
    environment: production
    scopes:
      db:read: [{ schema: app, privileges: [ALL] }]`,
    /privileges\[0\]/,
  ],
])("%s is refused with the file, line and path", (_what, upstreams, message) => {
  const found = problems(bundle(upstreams));
  expect(found.some((p) => p.startsWith(`${FILE}:`) && message.test(p))).toBe(true);
});

test("an upstream id may not be another principal's", () => {
  const text = bundle(CRM.replace("crm-api:", "prod-agent:")).replace('resources: ["crm-api:**"]', 'resources: ["prod-agent:**"]');
  expect(problems(text).some((p) => /id "prod-agent" is already used/.test(p))).toBe(true);
});
