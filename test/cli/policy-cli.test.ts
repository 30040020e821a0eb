import { writeFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run-cli";

const COMPANY = "examples/company-policy.yaml";
const FIXTURES = "test/fixtures/policy-cli";

describe("locksmith policy validate", () => {
  it("accepts the example bundles with exit 0", async () => {
    const r = await runCli("policy", "validate", COMPANY, "examples/policy.yaml");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}examples\/company-policy\.yaml sha256:[0-9a-f]{64} \(0 error\(s\), 0 warning\(s\)\)$/m);
  });

  it("refuses a bundle with a typo, naming file, line and path, with exit 1", async () => {
    const r = await runCli("policy", "validate", `${FIXTURES}/invalid.yaml`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error   ${FIXTURES}/invalid.yaml:81 roles.customer-service-tier-1.grants[0].max_tll: Unrecognized key: "max_tll"`);
  });

  it("refuses a reference to a role that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const file = join(dir, "p.yaml");
    writeFileSync(file, readFileSync(COMPANY, "utf8").replace("roles: [billing-operator]", "roles: [billing-operatr]"));
    const r = await runCli("policy", "validate", file);
    rmSync(dir, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.yaml:\d+ agents\.billing-agent\.roles\[0\]: unknown role "billing-operatr"/);
  });

  it("warns about shadowed grants, missing max_ttl, `*` scopes and cross-environment roles, failing only with --strict", async () => {
    const lenient = await runCli("policy", "validate", `${FIXTURES}/suspicious.yaml`);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/suspicious\.yaml:\d+ roles\.staging-deployer\.grants\[0\]: has no max_ttl/);
    expect(lenient.stderr).toMatch(/roles\.staging-deployer\.grants\[0\]\.scopes\[0\]: "\*" grants every scope/);
    expect(lenient.stderr).toMatch(
      /roles\.staging-deployer\.grants\[1\]: is shadowed for agent staging-deploy-agent: roles\.staging-deployer\.grants\[0\] comes first/,
    );
    expect(lenient.stderr).toMatch(
      /agents\.staging-deploy-agent\.roles\[0\]: reaches "infra:production\/\*\*" .* served only in production; agent staging-deploy-agent is in staging/,
    );
    const strict = await runCli("policy", "validate", "--strict", `${FIXTURES}/suspicious.yaml`);
    expect(strict.code).toBe(1);
  });

  it("warns about patterns that cannot be what was meant (issue 18): a deny that can never match, a `***`, a scope without `:`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const file = join(dir, "p.yaml");
    const text = readFileSync(COMPANY, "utf8")
      .replace('resources: ["**"]', 'resources: ["crm:secret/"]')
      .replace('resources: ["crm:customers/*"]', 'resources: ["crm:customers/***"]')
      .replace("scopes: [billing:read]", "scopes: [billingread]");
    writeFileSync(file, text);
    const r = await runCli("policy", "validate", file);
    rmSync(dir, { recursive: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/p\.yaml:\d+ roles\.customer-service-tier-1\.deny\[0\]\.resources\[0\]: "crm:secret\/" can never match a requested resource/);
    expect(r.stderr).toMatch(
      /p\.yaml:\d+ roles\.customer-service-tier-1\.grants\[0\]\.resources\[0\]: "crm:customers\/\*\*\*" has a run of three or more "\*"/,
    );
    expect(r.stderr).toMatch(/p\.yaml:\d+ roles\.billing-operator\.grants\[0\]\.scopes\[0\]: "billingread" has no ":"/);
  });

  it("refuses resource servers of two environments that share an audience, naming the line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const file = join(dir, "p.yaml");
    writeFileSync(file, readFileSync(COMPANY, "utf8").replace("audience: https://crm.staging.example.com", "audience: https://crm.example.com"));
    const r = await runCli("policy", "validate", file);
    rmSync(dir, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.yaml:\d+ resource_servers\.crm-staging\.audience: is the audience of resource_servers\.crm-prod in production/);
  });

  it("fails with exit 1 on a file that does not exist", async () => {
    const r = await runCli("policy", "validate", "no/such/policy.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no/such/policy.yaml: cannot read (ENOENT)");
  });
});

describe("locksmith policy explain", () => {
  it("names the grants that matched, the ttl cap and the approval", async () => {
    const r = await runCli(
      "policy",
      "explain",
      "--policy",
      COMPANY,
      "--agent",
      "billing-agent",
      "--scope",
      "billing:read billing:void",
      "--resource",
      "billing:invoices/7",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("PENDING_APPROVAL");
    expect(r.stdout).toContain(
      'billing:void: first covering grant roles.billing-operator.grants[2], role billing-operator grants[2]: scope "billing:void" matches billing:void, resource "billing:invoices/*" matches billing:invoices/7 (max_ttl 60s, max_uses 1, approval)',
    );
    expect(r.stdout).toContain("ttl 60s (cap 60s)");
    expect(r.stdout).toContain("approval: 2 of group:sre");
  });

  it("names the deny rule that won, as JSON", async () => {
    const r = await runCli(
      "policy",
      "explain",
      "--json",
      "--policy",
      COMPANY,
      "--agent",
      "support-agent",
      "--scope",
      "crm:delete",
      "--resource",
      "crm:customers/42",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: "deny",
      reason: "explicit_deny",
      rule: "roles.customer-service-tier-1.deny[0]",
      policy_version: expect.stringMatching(/^sha256:/),
      matched: [{ scope: "crm:delete", role: "customer-service-tier-1", kind: "deny", index: 0, scope_pattern: "*:delete", resource_pattern: "**" }],
    });
  });

  it("exits 1 for an unknown agent and for a wildcard resource, which Locksmith refuses before deciding", async () => {
    const unknown = await runCli("policy", "explain", "--policy", COMPANY, "--agent", "nobody", "--scope", "crm:read", "--resource", "crm:customers/42");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("locksmith: agent nobody: not in the bundle");
    const wildcard = await runCli(
      "policy",
      "explain",
      "--json",
      "--policy",
      COMPANY,
      "--agent",
      "support-agent",
      "--scope",
      "crm:read",
      "--resource",
      "crm:customers/*",
    );
    expect(wildcard.code).toBe(1);
    expect(JSON.parse(wildcard.stdout)).toMatchObject({ outcome: "deny", reason: "invalid_request" });
  });

  it("narrows to the user's entitlements", async () => {
    const r = await runCli(
      "policy",
      "explain",
      "--json",
      "--policy",
      COMPANY,
      "--agent",
      "support-agent",
      "--scope",
      "crm:note",
      "--resource",
      "crm:customers/42/notes",
      "--user-entitlements",
      "crm:read",
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "deny", reason: "user_lacks_scope" });
  });

  it("refuses an invalid bundle with exit 1 and a missing option with exit 2", async () => {
    expect((await runCli("policy", "explain", "--policy", `${FIXTURES}/invalid.yaml`, "--agent", "a", "--scope", "s", "--resource", "r")).code).toBe(1);
    const usage = await runCli("policy", "explain", "--policy", COMPANY);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option");
  });
});

describe("locksmith policy test", () => {
  it("passes every boundary case of the example bundle (the PocketOS, Kiro and John stories)", async () => {
    const r = await runCli("policy", "test", "examples/company-policy.test.yaml");
    expect(r.stdout).toMatch(/^16 passed, 0 failed$/m);
    expect(r.stdout).toMatch(/PASS {2}PocketOS: staging agent never reaches the production database +deny \(environment_wall\) +deny \(environment_wall\)/);
    expect(r.stdout).toMatch(/PASS {2}John: acting for John, who may not write notes/);
    expect(r.code).toBe(0);
  });

  it("prints FAIL for a case whose expectation does not hold and exits 1", async () => {
    const r = await runCli("policy", "test", `${FIXTURES}/failing.test.yaml`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}wrongly expects a staging agent to reach production +allow +deny \(environment_wall\)/);
    expect(r.stdout).toMatch(/^1 passed, 1 failed$/m);
  });

  it("refuses a malformed test file with exit 1, naming the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const file = join(dir, "t.yaml");
    writeFileSync(file, "cases:\n  - name: x\n    agent: a\n    request: { scope: s, resource: r }\n    expect: maybe\n");
    const r = await runCli("policy", "test", "--policy", COMPANY, file);
    rmSync(dir, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/t\.yaml: cases\[0\]\.expect: /);
  });
});

describe("locksmith policy diff", () => {
  it("says which agent can newly do what, and exits 1 with --exit-code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const widened = join(dir, "new.yaml");
    writeFileSync(
      widened,
      readFileSync(COMPANY, "utf8")
        .replace("- scopes: [crm:read]\n", "- scopes: [crm:read, crm:delete]\n")
        .replace('    deny:\n      - scopes: ["*:delete"]\n        resources: ["**"]\n  billing-operator:', "  billing-operator:"),
    );
    const r = await runCli("policy", "diff", "--exit-code", COMPANY, widened);
    const back = await runCli("policy", "diff", widened, COMPANY);
    rmSync(dir, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "support-agent: + can newly get crm:delete on crm:customers/x (production, allow, max_ttl 300s, roles.customer-service-tier-1.grants[0])",
    );
    expect(back.code).toBe(0);
    expect(back.stdout).toContain("support-agent: - can no longer get crm:delete on crm:customers/x");
  });

  it("reports no change between a bundle and itself", async () => {
    const r = await runCli("policy", "diff", "--exit-code", COMPANY, COMPANY);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no change in effective permissions");
  });
});

describe("locksmith policy who-can", () => {
  it("lists every agent and environment that could get a scope", async () => {
    const r = await runCli("policy", "who-can", "--policy", COMPANY, "--scope", "billing:refund", "--resource", "billing:invoices/9");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("billing-agent (production): pending_approval via roles.billing-operator.grants[1], max_ttl 120s");
  });

  it("says when nobody can", async () => {
    const r = await runCli("policy", "who-can", "--policy", COMPANY, "--scope", "infra:deploy", "--resource", "infra:production/db");
    expect(r.stdout.trim()).toBe("no agent can get infra:deploy on infra:production/db");
  });
});

describe("locksmith policy --help", () => {
  it.each(["validate", "explain", "test", "diff", "who-can"])("documents %s", async (command) => {
    const r = await runCli("policy", command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: locksmith policy ${command}`));
  });
});
