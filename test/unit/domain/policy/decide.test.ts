import { decide } from "../../../../src/domain/policy/decide";
import type { CredentialRequest, Decision } from "../../../../src/domain/policy/decision";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { AUTH } from "../../support/bundle-text";

const policy = parsePolicy(
  `
environments: [staging, production]
resource_servers:
  crm-prod:      { environment: production, audience: https://crm.example.com, resources: ["crm:**"], auth: ${AUTH} }
  crm-staging:   { environment: staging, audience: https://crm.staging.example.com, resources: ["crm:**"], auth: ${AUTH} }
  infra-prod:    { environment: production, audience: https://infra.example.com, resources: ["infra:production/**"], auth: ${AUTH} }
  infra-staging: { environment: staging, audience: https://infra.staging.example.com, resources: ["infra:staging/**"], auth: ${AUTH} }
  billing-a:     { environment: production, audience: https://billing-a.example.com, resources: ["billing:**"], auth: ${AUTH} }
  billing-b:     { environment: production, audience: https://billing-b.example.com, resources: ["billing:invoices/*"], auth: ${AUTH} }
roles:
  support:
    grants:
      - { scopes: [crm:read], resources: ["crm:customers/*"], max_ttl: 10m }
      - { scopes: [crm:note], resources: ["crm:customers/*/notes"], max_ttl: 2m, max_uses: 3 }
      - { scopes: [crm:export], resources: ["crm:customers/*"], max_ttl: 1h, ttl: 30s, max_uses: 5 }
      - { scopes: [crm:comment], resources: ["crm:customers/*"], max_ttl: 5m, max_uses: 2 }
      - scopes: [crm:refund]
        resources: ["crm:orders/*"]
        max_ttl: 2m
        max_uses: 1
        approval: { approvers: [group:payments-leads], count: 2 }
      - { scopes: [crm:read], resources: ["crm:archive/**"] }
      - { scopes: ["crm:*"], resources: ["crm:scratch/*"], max_ttl: 1m }
      - { scopes: [billing:read], resources: ["billing:**"] }
    deny:
      - { scopes: ["*:delete"], resources: ["**"] }
      - { scopes: [crm:read], resources: ["crm:customers/vip-*"] }
  deployer:
    grants:
      - { scopes: [infra:read, infra:deploy], resources: ["infra:**"], max_ttl: 10m, ttl: 5m }
      - { scopes: [crm:read], resources: ["crm:**"], max_ttl: 5m }
  no-exports:
    deny:
      - { scopes: [crm:export], resources: ["crm:customers/*"] }
agents:
  support-agent:   { environment: production, roles: [support], auth: ${AUTH} }
  careful-agent:   { environment: production, roles: [support, no-exports], auth: ${AUTH} }
  staging-deployer: { environment: staging, roles: [deployer], auth: ${AUTH} }
`,
  "decide-test.yaml",
);

function decideFor(agentId: string, request: CredentialRequest): Decision {
  const agent = policy.agents.get(agentId);
  if (!agent) throw new Error(`test bundle has no agent ${agentId}`);
  return decide(policy, agent, request);
}

const ask = (scope: string, resource: string, ttl?: number): CredentialRequest => ({ scopes: scope.split(" "), resource, ttl });

describe("decide", () => {
  describe("allowing with limits", () => {
    it("allows a granted scope on a granted resource and names the grant and resource server", () => {
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42"))).toMatchObject({
        outcome: "allow",
        rule: "roles.support.grants[0]",
        resourceServer: { id: "crm-prod", environment: "production", audience: "https://crm.example.com" },
      });
    });

    it("defaults the ttl to min(max_ttl, 300s) when the grant sets no ttl", () => {
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42"))).toMatchObject({ outcome: "allow", ttl: 300 });
      expect(decideFor("support-agent", ask("crm:note", "crm:customers/42/notes"))).toMatchObject({ outcome: "allow", ttl: 120 });
    });

    it("defaults the ttl to the grant's ttl when it sets one", () => {
      expect(decideFor("support-agent", ask("crm:export", "crm:customers/42"))).toMatchObject({ outcome: "allow", ttl: 30 });
    });

    it("caps a grant without max_ttl at 900s and defaults it to 300s", () => {
      expect(decideFor("support-agent", ask("crm:read", "crm:archive/2019/q1"))).toMatchObject({ outcome: "allow", ttl: 300 });
      expect(decideFor("support-agent", ask("crm:read", "crm:archive/2019/q1", 900))).toMatchObject({ outcome: "allow", ttl: 900 });
      expect(decideFor("support-agent", ask("crm:read", "crm:archive/2019/q1", 901))).toMatchObject({ outcome: "deny", reason: "ttl_exceeds_policy" });
    });

    it("gives the requested ttl when it is within max_ttl, up to max_ttl exactly", () => {
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42", 45))).toMatchObject({ outcome: "allow", ttl: 45 });
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42", 600))).toMatchObject({ outcome: "allow", ttl: 600 });
    });

    it("carries the grant's max_uses, and none when the grant sets none", () => {
      expect(decideFor("support-agent", ask("crm:note", "crm:customers/42/notes"))).toMatchObject({ outcome: "allow", maxUses: 3 });
      const unlimited = decideFor("support-agent", ask("crm:read", "crm:customers/42"));
      expect(unlimited.outcome).toBe("allow");
      expect(unlimited).not.toHaveProperty("maxUses", expect.anything());
    });
  });

  describe("multi-scope requests", () => {
    it("allows only when every scope is covered, with the tightest ttl and max_uses of the covering grants", () => {
      expect(decideFor("support-agent", ask("crm:read crm:export crm:comment", "crm:customers/42"))).toMatchObject({
        outcome: "allow",
        ttl: 30,
        maxUses: 2,
        rule: "roles.support.grants[0], roles.support.grants[2], roles.support.grants[3]",
      });
    });

    it("checks a requested ttl against the smallest max_ttl of the covering grants", () => {
      expect(decideFor("support-agent", ask("crm:read crm:comment", "crm:customers/42", 300))).toMatchObject({ outcome: "allow", ttl: 300 });
      expect(decideFor("support-agent", ask("crm:read crm:comment", "crm:customers/42", 301))).toMatchObject({
        outcome: "deny",
        reason: "ttl_exceeds_policy",
      });
    });

    it("denies the whole request when one scope has no grant, naming that scope", () => {
      const decision = decideFor("support-agent", ask("crm:read crm:write", "crm:customers/42"));
      expect(decision).toMatchObject({ outcome: "deny", reason: "no_grant" });
      expect(decision.outcome === "deny" && decision.description).toContain("crm:write");
    });

    it("denies a request that names no scope at all", () => {
      expect(decideFor("support-agent", { scopes: [], resource: "crm:customers/42" })).toMatchObject({ outcome: "deny", reason: "no_grant" });
    });
  });

  describe("deny by default", () => {
    it("denies a scope no grant names, with no rule", () => {
      const decision = decideFor("support-agent", ask("crm:write", "crm:customers/42"));
      expect(decision).toMatchObject({ outcome: "deny", reason: "no_grant" });
      expect(decision).not.toHaveProperty("rule", expect.anything());
    });

    it("denies a granted scope on a resource outside the grant's pattern", () => {
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42/notes"))).toMatchObject({ outcome: "deny", reason: "no_grant" });
      expect(decideFor("support-agent", ask("crm:read", "crm:orders/7"))).toMatchObject({ outcome: "deny", reason: "no_grant" });
    });
  });

  describe("explicit deny", () => {
    it("wins over a grant that covers the request, naming the deny rule", () => {
      // roles.support.grants[6] grants crm:* on crm:scratch/*, which includes crm:delete.
      expect(decideFor("support-agent", ask("crm:delete", "crm:scratch/tmp"))).toMatchObject({
        outcome: "deny",
        reason: "explicit_deny",
        rule: "roles.support.deny[0]",
      });
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/vip-7"))).toMatchObject({
        outcome: "deny",
        reason: "explicit_deny",
        rule: "roles.support.deny[1]",
      });
    });

    it("wins over a grant of another role of the same agent", () => {
      expect(decideFor("careful-agent", ask("crm:export", "crm:customers/42"))).toMatchObject({
        outcome: "deny",
        reason: "explicit_deny",
        rule: "roles.no-exports.deny[0]",
      });
    });

    it("denies a multi-scope request when any one scope is denied", () => {
      expect(decideFor("support-agent", ask("crm:read crm:delete", "crm:scratch/tmp"))).toMatchObject({
        outcome: "deny",
        reason: "explicit_deny",
      });
    });
  });

  describe("ttl above policy", () => {
    it("refuses a ttl above max_ttl instead of clamping it, naming the grant", () => {
      const decision = decideFor("support-agent", ask("crm:read", "crm:customers/42", 601));
      expect(decision).toEqual({
        outcome: "deny",
        reason: "ttl_exceeds_policy",
        rule: "roles.support.grants[0]",
        description: expect.stringContaining("601"),
      });
    });
  });

  describe("environment wall", () => {
    it("denies a staging agent a resource only a production resource server serves, even with a grant for it", () => {
      expect(decideFor("staging-deployer", ask("infra:deploy", "infra:production/db"))).toMatchObject({
        outcome: "deny",
        reason: "environment_wall",
      });
    });

    it("serves a resource that both environments have from the agent's own environment", () => {
      expect(decideFor("staging-deployer", ask("crm:read", "crm:customers/42"))).toMatchObject({
        outcome: "allow",
        resourceServer: { id: "crm-staging", environment: "staging" },
      });
      expect(decideFor("support-agent", ask("crm:read", "crm:customers/42"))).toMatchObject({
        outcome: "allow",
        resourceServer: { id: "crm-prod", environment: "production" },
      });
    });
  });

  describe("resource servers", () => {
    it("denies a resource no resource server serves", () => {
      expect(decideFor("support-agent", ask("crm:read", "payroll:employees/1"))).toMatchObject({
        outcome: "deny",
        reason: "no_resource_server",
      });
    });

    it("denies a resource two resource servers of the environment serve, naming both", () => {
      const decision = decideFor("support-agent", ask("billing:read", "billing:invoices/9"));
      expect(decision).toMatchObject({ outcome: "deny", reason: "ambiguous_resource_server" });
      expect(decision.outcome === "deny" && decision.description).toEqual(expect.stringMatching(/billing-a.*billing-b/));
    });

    it("allows a resource only one of them serves", () => {
      expect(decideFor("support-agent", ask("billing:read", "billing:payments/9"))).toMatchObject({
        outcome: "allow",
        resourceServer: { id: "billing-a" },
      });
    });
  });

  describe("approval", () => {
    it("answers pending_approval with the grant's approvers when a covering grant needs approval", () => {
      expect(decideFor("support-agent", ask("crm:refund", "crm:orders/7"))).toMatchObject({
        outcome: "pending_approval",
        approval: { approvers: ["group:payments-leads"], count: 2 },
        ttl: 120,
        maxUses: 1,
        rule: "roles.support.grants[4]",
      });
    });

    it("still refuses a ttl above max_ttl before asking for approval", () => {
      expect(decideFor("support-agent", ask("crm:refund", "crm:orders/7", 121))).toMatchObject({
        outcome: "deny",
        reason: "ttl_exceeds_policy",
      });
    });
  });
});
