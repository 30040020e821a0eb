import { type Command, InvalidArgumentError } from "commander";
import { parseDuration } from "../domain/duration";
import type { CaseResult } from "../domain/policy/boundary-tests";
import type { Permission } from "../domain/policy/effective-permissions";
import type { Policy } from "../domain/policy/policy";
import { resolveServer } from "./connection";
import { die, wantsJson } from "./output";

// The policy code (zod, yaml, jose) loads in the actions that use it (see main.ts).

/**
 * `locksmith policy validate|explain|test|diff|who-can`. Exit codes for CI:
 * 0 all good, 1 the check failed (invalid bundle, failing case, changes with
 * `diff --exit-code`), 2 wrong usage.
 */
export function registerPolicyCommands(program: Command): Command {
  const policy = program.command("policy").description("check, explain and test policy bundles (for CI and reviews)");

  policy
    .command("validate")
    .description("validate bundles: schema, references, shadowed or unreachable grants, missing max_ttl, wildcard scopes, cross-environment roles")
    .argument("<files...>", "policy bundles (YAML)")
    .option("--strict", "fail on warnings too")
    .action(async (files: string[], o: { strict?: boolean }) => {
      const { validatePolicyFile } = await import("../domain/policy/validate-policy.js");
      let failed = false;
      const reports = [];
      for (const file of files) {
        const v = await validatePolicyFile(file);
        const bad = v.errors.length > 0 || (o.strict === true && v.warnings.length > 0);
        failed ||= bad;
        reports.push({ file, ok: !bad, policy_version: v.policy?.version, errors: v.errors, warnings: v.warnings });
        if (wantsJson()) continue;
        for (const line of v.errors) err(`error   ${line}`);
        for (const line of v.warnings) err(`warning ${line}`);
        out(`${bad ? "FAIL" : "ok  "} ${file}${v.policy ? ` ${v.policy.version}` : ""} (${v.errors.length} error(s), ${v.warnings.length} warning(s))\n`);
      }
      if (wantsJson()) out(`${JSON.stringify(reports, null, 2)}\n`);
      process.exitCode = failed ? 1 : 0;
    });

  policy
    .command("explain")
    .description(
      "decide one request offline with the server's own decision function and print the rule chain and the patterns that matched (exit 1 for an unknown agent or a request Locksmith refuses as invalid)",
    )
    .requiredOption("--policy <file>", "policy bundle (default: LOCKSMITH_POLICY)", process.env.LOCKSMITH_POLICY)
    .requiredOption("--agent <id>", "the agent asking")
    .requiredOption("--scope <scopes>", "space-separated scopes")
    .requiredOption("--resource <resource>", "the resource")
    .option("--ttl <ttl>", "requested lifetime: seconds or 30s / 5m / 1h", ttlArgument)
    .option("--user-entitlements <scopes>", "acting for a user who holds these space-separated scopes")
    .action(async (o) => {
      const [bundle, { explainRequest }] = await Promise.all([load(o.policy), import("../domain/policy/explain.js")]);
      const user = o.userEntitlements === undefined ? undefined : String(o.userEntitlements).split(" ").filter(Boolean);
      const e = explainRequest(bundle, o.agent, { scopes: o.scope.split(" ").filter(Boolean), resource: o.resource, ttl: o.ttl }, user);
      const { resourceServer, ...decision } = e.decision as typeof e.decision & { resourceServer?: { id: string; audience: string } };
      const view = {
        agent: e.agent,
        ...decision,
        ...(resourceServer ? { resource_server: resourceServer.id, audience: resourceServer.audience } : {}),
        policy_version: bundle.version,
        matched: e.matched,
        chain: e.chain,
      };
      const refused = e.decision.outcome === "deny" && (e.decision.reason === "unknown_agent" || e.decision.reason === "invalid_request");
      if (wantsJson()) out(`${JSON.stringify(view, null, 2)}\n`);
      else if (refused) err(`locksmith: ${e.chain[0]}`);
      else out(`${e.decision.outcome.toUpperCase()}\n${e.chain.map((l) => `  ${l}`).join("\n")}\n`);
      process.exitCode = refused ? 1 : 0;
    });

  policy
    .command("test")
    .description("run boundary-test files (YAML cases: agent, request, expected allow/deny/pending_approval) against a bundle")
    .argument("<files...>", "boundary-test files")
    .option("--policy <file>", "bundle to test (default: the file's `policy:`)")
    .option("--live <url>", "run the cases against a running Locksmith through its HTTP API")
    .option("--issuer <url>", "with --live: Locksmith's issuer, the audience of assertions (default: LOCKSMITH_ISSUER, else the server's metadata)")
    .option("--keys <dir>", "with --live: folder of <agent>.jwk.json private keys (default: the file's `keys:`)")
    .action(async (files: string[], o: { policy?: string; live?: string; issuer?: string; keys?: string }) => {
      const { loadBoundaryTests, runCaseOffline } = await import("../domain/policy/boundary-tests.js");
      let failed = 0;
      let skipped = 0;
      let total = 0;
      const reports: object[] = [];
      for (const file of files) {
        const suite = await loadBoundaryTests(file).catch((error: Error) => die(error.message));
        const results: CaseResult[] = [];
        if (o.live) {
          const keysDir = o.keys ?? suite.keysDir;
          if (!keysDir) die(`${file}: --live needs --keys <dir> or a \`keys:\` folder in the file`);
          const [{ issuer }, { runCaseLive }] = await Promise.all([resolveServer({ url: o.live, issuer: o.issuer }), import("./policy-live.js")]);
          for (const c of suite.cases)
            results.push(await runCaseLive({ url: o.live, issuer, keysDir }, c).catch((e: Error) => die(`cannot reach ${o.live}: ${e.message}`)));
        } else {
          const policyFile = o.policy ?? suite.policyFile;
          if (!policyFile) die(`${file}: name the bundle with --policy <file> or \`policy:\` in the file`);
          const bundle = await load(policyFile);
          results.push(...suite.cases.map((c) => runCaseOffline(bundle, c)));
        }
        if (wantsJson()) reports.push({ file, results: results.map((r) => ({ case: r.case, actual: r.actual, pass: r.pass, skipped: r.skipped ?? false })) });
        else out(`${file}${o.live ? ` → ${o.live}` : ""}\n${table(results)}`);
        failed += results.filter((r) => !r.pass).length;
        skipped += results.filter((r) => r.skipped).length;
        total += results.length;
      }
      if (wantsJson()) out(`${JSON.stringify({ passed: total - failed - skipped, failed, skipped, files: reports }, null, 2)}\n`);
      else out(`${total - failed - skipped} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
      process.exitCode = failed > 0 ? 1 : 0;
    });

  policy
    .command("diff")
    .description("what every agent can newly do and no longer do between two bundles (effective permissions)")
    .argument("<old>", "the bundle in force")
    .argument("<new>", "the proposed bundle")
    .option("--exit-code", "exit 1 when permissions change")
    .action(async (oldFile: string, newFile: string, o: { exitCode?: boolean }) => {
      const { diffPermissions } = await import("../domain/policy/effective-permissions.js");
      const changes = diffPermissions(await load(oldFile), await load(newFile));
      process.exitCode = o.exitCode && changes.length > 0 ? 1 : 0;
      if (wantsJson()) return out(`${JSON.stringify(changes, null, 2)}\n`);
      for (const c of changes) {
        const line = !c.before
          ? `+ can newly get ${describe(c.after!)}`
          : !c.after
            ? `- can no longer get ${describe(c.before)}`
            : `~ ${describe(c.before)}  →  ${describe(c.after)}`;
        out(`${c.agent}: ${line}\n`);
      }
      out(changes.length === 0 ? "no change in effective permissions\n" : `${changes.length} change(s)\n`);
    });

  policy
    .command("who-can")
    .description("every agent (and its environment) that could get a scope on a resource")
    .requiredOption("--policy <file>", "policy bundle (default: LOCKSMITH_POLICY)", process.env.LOCKSMITH_POLICY)
    .requiredOption("--scope <scope>", "one scope")
    .requiredOption("--resource <resource>", "the resource")
    .action(async (o) => {
      const { whoCan } = await import("../domain/policy/effective-permissions.js");
      const found = whoCan(await load(o.policy), o.scope, o.resource);
      process.exitCode = 0;
      if (wantsJson()) return out(`${JSON.stringify(found, null, 2)}\n`);
      for (const p of found) out(`${p.agent} (${p.environment}): ${p.outcome} via ${p.rule}, max_ttl ${p.maxTtl}s\n`);
      if (found.length === 0) out(`no agent can get ${o.scope} on ${o.resource}\n`);
    });

  return policy;
}

async function load(file: string): Promise<Policy> {
  const { validatePolicyFile } = await import("../domain/policy/validate-policy.js");
  const v = await validatePolicyFile(file);
  if (!v.policy) die(`invalid policy bundle:\n  ${v.errors.join("\n  ")}`);
  return v.policy;
}

const describe = (p: Permission) => `${p.scope} on ${p.resource} (${p.environment}, ${p.outcome}, max_ttl ${p.maxTtl}s, ${p.rule})`;

function table(results: CaseResult[]): string {
  const rows = results.map((r) => [
    r.skipped ? "SKIP" : r.pass ? "PASS" : "FAIL",
    r.case.name,
    `${r.case.expect}${r.case.reason ? ` (${r.case.reason})` : ""}`,
    r.skipped ?? r.actual,
  ]);
  const widths = [4, ...[1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), i === 1 ? 4 : 8))];
  const line = (row: string[]) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join("  ")}\n`;
  return line(["", "case", "expected", "got"]) + rows.map(line).join("");
}

function ttlArgument(value: string): number {
  const seconds = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (seconds === undefined) throw new InvalidArgumentError("use seconds or 30s / 5m / 1h");
  return seconds;
}

const out = (text: string) => void process.stdout.write(text);
const err = (text: string) => void process.stderr.write(`${text}\n`);
