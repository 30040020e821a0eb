import { resolve } from "node:path";
import { agentsOverview } from "../../../../src/domain/agents/agents-overview";
import { agentPermissions } from "../../../../src/domain/policy/effective-permissions";
import { loadPolicyFile } from "../../../../src/domain/policy/load-policy";
import { fixedPolicy } from "../../../../src/domain/policy/policy-source";
import { MemoryAuditLog } from "../../../../src/stores/memory/memory-audit-log";
import { MemorySuspensionStore } from "../../../../src/stores/memory/memory-suspension-store";

const EXAMPLE = resolve(__dirname, "../../../../examples/policy.yaml");
const NOW = Date.parse("2026-11-23T10:00:00Z");

describe("the agents overview", () => {
  it("gives each agent its environment, roles, what it can do, its suspension and its latest denials, newest first", async () => {
    const policy = await loadPolicyFile(EXAMPLE);
    const ledger = new MemoryAuditLog();
    const suspensions = new MemorySuspensionStore({ now: () => NOW });
    for (const [i, reason] of ["no_grant", "explicit_deny", "environment_wall"].entries()) {
      await ledger.append({ type: "denied", decision: "deny", agent: "staging-deploy-agent", reason, occurredAt: new Date(NOW + i) });
    }
    await ledger.append({ type: "issued", decision: "allow", agent: "staging-deploy-agent", occurredAt: new Date(NOW + 9) });
    await suspensions.suspend("support-agent", NOW);

    const overview = await agentsOverview({ policy: fixedPolicy(policy), suspensions, ledger }, { recentDenials: 2 });

    expect(overview.policyVersion).toBe(policy.version);
    expect(overview.agents.map((a) => [a.id, a.environment, a.roles, a.suspension.suspended])).toEqual([
      ["support-agent", "production", ["customer-service-tier-1"], true],
      ["staging-deploy-agent", "staging", ["staging-deployer"], false],
    ]);
    const deploy = overview.agents[1];
    expect(deploy.recentDenials.map((e) => e.reason)).toEqual(["environment_wall", "explicit_deny"]);
    expect(overview.agents[0].recentDenials).toEqual([]);
    expect(deploy.permissions).toEqual(agentPermissions(policy, "staging-deploy-agent"));
    const noLedger = { latest: () => Promise.reject(new Error("the ledger is not read")) };
    const without = await agentsOverview({ policy: fixedPolicy(policy), suspensions, ledger: noLedger }, { recentDenials: 0 });
    expect(without.agents.map((a) => a.recentDenials)).toEqual([[], []]);
  });
});

describe("an agent's effective permissions", () => {
  it("names each grant pattern with what decide gives an example of it: allow, approval with its approvers, limits", async () => {
    const policy = await loadPolicyFile(EXAMPLE);
    expect(agentPermissions(policy, "support-agent")).toEqual([
      { scope: "crm:read", resource: "crm:customers/*", outcome: "allow", rule: "roles.customer-service-tier-1.grants[0]", maxTtl: 300, forPeople: false },
      {
        scope: "crm:refund",
        resource: "crm:orders/*",
        outcome: "pending_approval",
        rule: "roles.customer-service-tier-1.grants[1]",
        maxTtl: 120,
        maxUses: 1,
        approval: { approvers: ["group:payments-leads"], count: 2 },
        forPeople: false,
      },
      {
        scope: "crm:note",
        resource: "crm:customers/*/notes",
        outcome: "allow",
        rule: "roles.customer-service-tier-1.grants[2]",
        maxTtl: 120,
        maxUses: 3,
        forPeople: false,
      },
    ]);
    expect(agentPermissions(policy, "nobody")).toEqual([]);
  });

  it("shows a grant a deny rule cuts as denied, naming the deny rule", async () => {
    const base = await loadPolicyFile(EXAMPLE);
    const agent = base.agents.get("staging-deploy-agent")!;
    // The deny rule of the role, widened to cover the grant's deploy scope.
    const cut = { ...agent, denies: [{ ...agent.denies[0], scopes: [{ source: "infra:deploy", matches: (s: string) => s === "infra:deploy" }] }] };
    const policy = { ...base, agents: new Map([...base.agents, ["staging-deploy-agent", cut]]) };
    const permissions = agentPermissions(policy, "staging-deploy-agent");
    expect(permissions.map((p) => [p.scope, p.outcome, p.rule ?? p.reason])).toEqual([
      ["infra:read", "allow", "roles.staging-deployer.grants[0]"],
      ["infra:deploy", "deny", "roles.staging-deployer.deny[0]"],
    ]);
  });
});
