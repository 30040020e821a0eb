import type { Command } from "commander";
import { callAs, getJson, principalOptions, resolveServer, serverOptions, serverUrl, type PrincipalOptions } from "./connection";
import { die, show, table } from "./output";

/** Admin work without curl: revoke by credential or subject, suspend and resume agents, reload the policy; and `status` for anyone. */
export function registerAdminCommands(program: Command, policy: Command): void {
  principalOptions(program.command("revoke"), "admin (or, with --jti, the credential's agent)")
    .description(
      "revoke one credential (--jti: DELETE /v1/credentials/{jti}) or every live credential of an agent, a user or an environment (POST /v1/revocations)",
    )
    .option("--jti <jti>", "one credential")
    .option("--agent <id>", "every live credential of this agent")
    .option("--user <id>", "every live credential issued for this user")
    .option("--environment <env>", "every live credential of this environment")
    .action(async (o: PrincipalOptions & { jti?: string; agent?: string; user?: string; environment?: string }) => {
      const named = (["jti", "agent", "user", "environment"] as const).filter((kind) => o[kind] !== undefined);
      if (named.length !== 1) return die("name exactly one of --jti, --agent, --user or --environment");
      const kind = named[0];
      if (kind === "jti") {
        await callAs(o, "DELETE", `/v1/credentials/${encodeURIComponent(o.jti!)}`);
        return show({ revoked: o.jti }, () => `revoked ${o.jti}\n`);
      }
      const answer = await callAs(o, "POST", "/v1/revocations", { [kind]: o[kind] });
      show(answer.body, () => `revoked ${answer.body?.revoked} live credential(s) of ${kind} ${o[kind]}\n`);
    });

  const agents = program.command("agents").description("suspend or resume an agent (admins)");
  for (const action of ["suspend", "resume"] as const) {
    const command = principalOptions(agents.command(`${action} <agent>`), "admin")
      .description(
        action === "suspend"
          ? "refuse the agent every new credential until resumed (POST /v1/agents/{id}/suspend)"
          : "let a suspended agent ask again (POST /v1/agents/{id}/resume)",
      )
      .option("--reason <text>", "why, for the audit log");
    command.action(async (agent: string, o: PrincipalOptions & { reason?: string }) => {
      const answer = await callAs(o, "POST", `/v1/agents/${encodeURIComponent(agent)}/${action}`, o.reason ? { reason: o.reason } : {});
      show(answer.body, () => `${agent}: ${answer.body?.status}${answer.body?.changed ? "" : " (already)"}\n`);
    });
  }

  principalOptions(policy.command("reload"), "admin")
    .description("make the running Locksmith load its bundle file again (POST /v1/admin/policy/reload); a bad bundle is refused and the old one keeps serving")
    .action(async (o: PrincipalOptions) => {
      const answer = await callAs(o, "POST", "/v1/admin/policy/reload");
      show(answer.body, () => `policy ${answer.body?.changed ? "reloaded" : "unchanged"}: ${answer.body?.policy_version}\n`);
    });

  serverOptions(program.command("status"))
    .description("the server, its issuer, its policy version and its readiness (exit 1 when not ready)")
    .action(async (o) => {
      const { url, issuer } = await resolveServer(o);
      const ready = await getJson(url, "/readyz");
      const status = { url: serverUrl(o), issuer, ready: ready.status === "ready", policy_version: ready.policy_version, checks: ready.checks };
      show(status, () =>
        table([
          ["url", url],
          ["issuer", issuer],
          ["policy", String(ready.policy_version ?? "unknown")],
          [
            "ready",
            `${status.ready ? "yes" : "NO"} (${Object.entries((ready.checks ?? {}) as Record<string, string>)
              .map(([name, state]) => `${name} ${state}`)
              .join(", ")})`,
          ],
        ]),
      );
      if (!status.ready) process.exitCode = 1;
    });
}
