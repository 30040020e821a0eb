import { loadPolicyFile, parsePolicy, PolicyLoadError } from "../../../../src/domain/policy/load-policy";
import { EXAMPLE_POLICY } from "../../../support/principals";
import { AUTH, PUBLIC_KEY } from "../../support/bundle-text";

const FILE = "bundles/team.yaml";
const FILE_RE = FILE.replace(/[.]/g, "\\.");

/** A valid bundle; each test swaps in one mistake. */
const bundle = (roles: string, agents: string) => `environments: [staging, production]
resource_servers:
  crm-prod:
    environment: production
    audience: https://crm.example.com
    resources: ["crm:**"]
    auth: ${AUTH}
roles:
${roles}
agents:
${agents}
`;

const READER_ROLE = `  reader:
    grants:
      - scopes: [crm:read]
        resources: ["crm:customers/*"]
        max_ttl: 5m`;

const agent = (id: string, fields = "environment: production\n    roles: [reader]") => `  ${id}:
    ${fields}
    auth: ${AUTH}`;

/** The 1-based line of the first line containing `needle` (after `after`, if given). */
function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split("\n");
  const start = after === undefined ? 0 : lines.findIndex((line) => line.includes(after));
  const index = lines.findIndex((line, i) => i >= start && line.includes(needle));
  if (index < 0) throw new Error(`test bundle has no line with ${needle}`);
  return index + 1;
}

function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.problems;
    throw error;
  }
  throw new Error("the bundle loaded, but it should have been refused");
}

describe("parsePolicy", () => {
  it("loads a valid bundle with its agents, resource servers and a content version", () => {
    const text = bundle(READER_ROLE, agent("support-agent"));
    const policy = parsePolicy(text, FILE);
    expect(policy.source).toBe(FILE);
    expect(policy.environments).toEqual(["staging", "production"]);
    expect([...policy.agents.keys()]).toEqual(["support-agent"]);
    expect(policy.resourceServers.map((rs) => rs.id)).toEqual(["crm-prod"]);
    expect(policy.principals.get("crm-prod")).toMatchObject({ kind: "resource_server", environment: "production" });
    expect(policy.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("gives the same bytes the same version and different bytes another", () => {
    const text = bundle(READER_ROLE, agent("support-agent"));
    expect(parsePolicy(text, "a.yaml").version).toBe(parsePolicy(text, "b.yaml").version);
    expect(parsePolicy(`${text}\n# a comment\n`, FILE).version).not.toBe(parsePolicy(text, FILE).version);
  });

  describe("refuses an invalid bundle, naming file, line and path", () => {
    it("refuses YAML that does not parse", () => {
      const text = "environments: [staging]\nroles:\n\t reader: {}\n";
      expect(problemsOf(text)).toEqual([expect.stringMatching(new RegExp(`^${FILE_RE}:3 YAML: .*[Tt]ab`))]);
    });

    it("refuses a key that appears twice", () => {
      const text = "environments: [staging]\nenvironments: [production]\n";
      expect(problemsOf(text)).toEqual([`${FILE}:2 YAML: Map keys must be unique`]);
    });

    it("refuses an unknown field such as max_tll instead of ignoring the limit", () => {
      const text = bundle(READER_ROLE.replace("max_ttl", "max_tll"), agent("support-agent"));
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(new RegExp(`^${FILE_RE}:${lineOf(text, "max_tll")} roles\\.reader\\.grants\\[0\\]\\.max_tll: .*max_tll`)),
      ]);
    });

    it("refuses a duration it cannot read", () => {
      const text = bundle(READER_ROLE.replace("max_ttl: 5m", "max_ttl: 5 minutes"), agent("support-agent"));
      expect(problemsOf(text)).toEqual([
        `${FILE}:${lineOf(text, "max_ttl: 5 minutes")} roles.reader.grants[0].max_ttl: "5 minutes" is not a duration: use seconds or 30s / 5m / 1h`,
      ]);
    });

    it("refuses a reference to a role that does not exist", () => {
      const text = bundle(READER_ROLE, agent("support-agent", "environment: production\n    roles: [reader, admin-everything]"));
      expect(problemsOf(text)).toEqual([
        `${FILE}:${lineOf(text, "roles: [reader, admin-everything]")} agents.support-agent.roles[1]: unknown role "admin-everything"`,
      ]);
    });

    it("refuses an environment the bundle does not declare", () => {
      const text = bundle(READER_ROLE, agent("support-agent", "environment: prod\n    roles: [reader]"));
      expect(problemsOf(text)).toEqual([
        `${FILE}:${lineOf(text, "environment: prod", "support-agent")} agents.support-agent.environment: unknown environment "prod"`,
      ]);
    });

    it("refuses two principals with one id", () => {
      const text = bundle(READER_ROLE, agent("crm-prod"));
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(
          new RegExp(`^${FILE_RE}:${lineOf(text, "environment: production")} resource_servers\\.crm-prod: id "crm-prod" is already used by agents\\.crm-prod`),
        ),
      ]);
    });

    it("refuses a private key (a JWK with `d`) in place of a public one", () => {
      const privateKey = JSON.stringify({ ...PUBLIC_KEY, d: "IOfnZtqajdJ3eAqh7p-DlpmPAPhV7OU6Hhheinaib2Q" });
      const text = bundle(
        READER_ROLE,
        `  support-agent:
    environment: production
    roles: [reader]
    auth:
      method: private_key_jwt
      jwks:
        keys:
          - ${privateKey}`,
      );
      expect(problemsOf(text)).toEqual([
        `${FILE}:${lineOf(text, '"d":')} agents.support-agent.auth.jwks.keys[0]: is a private key: a bundle holds public keys only`,
      ]);
    });

    it("refuses a grant whose ttl is longer than its max_ttl", () => {
      const text = bundle(`${READER_ROLE.replace("max_ttl: 5m", "max_ttl: 1m")}\n        ttl: 2m`, agent("support-agent"));
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(new RegExp(`^${FILE_RE}:${lineOf(text, "ttl: 2m")} roles\\.reader\\.grants\\[0\\]\\.ttl: is longer than max_ttl`)),
      ]);
    });

    it("refuses a grant whose ttl is longer than the default max_ttl when it sets none", () => {
      const text = bundle(READER_ROLE.replace("max_ttl: 5m", "ttl: 1h"), agent("support-agent"));
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(
          new RegExp(`^${FILE_RE}:${lineOf(text, "ttl: 1h")} roles\\.reader\\.grants\\[0\\]\\.ttl: is longer than the default max_ttl \\(900s\\)`),
        ),
      ]);
    });

    it.each(["toString", "constructor", "hasOwnProperty", "valueOf"])(
      "refuses a reference to a role named %s that does not exist, instead of crashing on Object.prototype",
      (role) => {
        const text = bundle(READER_ROLE, agent("support-agent", `environment: production\n    roles: [reader, ${role}]`));
        expect(problemsOf(text)).toEqual([`${FILE}:${lineOf(text, `roles: [reader, ${role}]`)} agents.support-agent.roles[1]: unknown role "${role}"`]);
      },
    );

    it("refuses a workload issuer reference named toString that does not exist", () => {
      const text = bundle(
        READER_ROLE,
        `  ci-agent:
    environment: production
    roles: [reader]
    auth: { method: workload_identity, issuer: toString, subject: "repo:org/app" }`,
      );
      expect(problemsOf(text)).toEqual([`${FILE}:${lineOf(text, "issuer: toString")} agents.ci-agent.auth.issuer: unknown workload issuer "toString"`]);
    });

    it("refuses resource servers of two environments that share an audience: offline, one would accept the other's credentials", () => {
      const text = bundle(READER_ROLE, agent("support-agent")).replace(
        "roles:\n",
        `  crm-staging:
    environment: staging
    audience: https://crm.example.com
    resources: ["crm:**"]
    auth: ${AUTH}
roles:
`,
      );
      expect(problemsOf(text)).toEqual([
        `${FILE}:${lineOf(text, "audience: https://crm.example.com", "crm-staging")} resource_servers.crm-staging.audience: is the audience of resource_servers.crm-prod in production: resource servers of different environments need different audiences`,
      ]);
    });

    it("names every problem at once, in one error that says which file", () => {
      const text = bundle(READER_ROLE, agent("support-agent", "environment: prod\n    roles: [ghost]"));
      let error: unknown;
      try {
        parsePolicy(text, FILE);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PolicyLoadError);
      const loadError = error as PolicyLoadError;
      expect(loadError.file).toBe(FILE);
      expect(loadError.problems).toHaveLength(2);
      expect(loadError.message).toContain(`invalid policy bundle ${FILE}`);
      expect(loadError.message).toContain('unknown environment "prod"');
      expect(loadError.message).toContain('unknown role "ghost"');
    });
  });
});

describe("parsePolicy with principals and roles named like Object.prototype members", () => {
  it("compiles roles, agents and resource servers named toString and constructor", () => {
    const text = bundle(
      READER_ROLE.replace("  reader:", "  toString:") +
        '\n  constructor:\n    grants:\n      - scopes: [crm:note]\n        resources: ["crm:customers/*/notes"]\n        max_ttl: 1m',
      agent("constructor", "environment: production\n    roles: [toString, constructor]"),
    ).replace("  crm-prod:", "  toString:");
    const policy = parsePolicy(text, FILE);
    expect(policy.agents.get("constructor")?.grants.map((g) => g.rule)).toEqual(["roles.toString.grants[0]", "roles.constructor.grants[0]"]);
    expect(policy.resourceServers.map((rs) => rs.id)).toEqual(["toString"]);
  });
});

describe("loadPolicyFile", () => {
  it("loads examples/policy.yaml", async () => {
    const policy = await loadPolicyFile(EXAMPLE_POLICY);
    expect(policy.source).toBe(EXAMPLE_POLICY);
    expect([...policy.agents.keys()].sort()).toEqual(["staging-deploy-agent", "support-agent"]);
    expect([...policy.principals.keys()].sort()).toEqual([
      "crm-prod",
      "crm-staging",
      "infra-prod",
      "infra-staging",
      "security-auditor",
      "security-oncall",
      "staging-deploy-agent",
      "support-agent",
    ]);
    expect(policy.principals.get("security-oncall")).toMatchObject({ kind: "admin" });
  });
});
