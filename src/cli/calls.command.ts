import { type Command, InvalidArgumentError } from "commander";
import { callAs, principalOptions, readPrivateKey, resolveServer, serverOptions } from "./connection";
import { die, out, show } from "./output";

/** `locksmith credential | redeem | assertion`: what agents and resource servers do, from a shell. */
export function registerCallCommands(program: Command): void {
  serverOptions(program.command("credential"))
    .description("ask for a credential as an agent (POST /v1/credentials) and print the answer")
    .option("--as <id>", "your agent id in the policy")
    .option("--agent <id>", "the same as --as")
    .requiredOption("--key <file>", "your private JWK file")
    .requiredOption("--scope <scopes>", "space-separated scopes")
    .requiredOption("--resource <resource>", "the resource")
    .option("--ttl <ttl>", "lifetime: seconds or 30s / 5m / 1h", ttlArgument)
    .option("--reason <text>", "why, for the audit log")
    .option("--token-only", "print only the credential, for CREDENTIAL=$(…)")
    .action(async (o) => {
      o.as ??= o.agent ?? die("--as <agent id> is required");
      const body = { scope: o.scope, resource: o.resource, ...(o.ttl ? { ttl: o.ttl } : {}), ...(o.reason ? { reason: o.reason } : {}) };
      const answer = await callAs(o, "POST", "/v1/credentials", body);
      if (o.tokenOnly && typeof answer.body?.credential === "string") out(`${answer.body.credential}\n`);
      else out(`${JSON.stringify(answer.body, null, 2)}\n`);
    });

  principalOptions(program.command("redeem"), "resource server")
    .description("redeem a credential as a resource server (POST /v1/credentials/redeem)")
    .requiredOption("--credential <token>", "the credential to redeem")
    .option("--scope <scopes>", "scopes about to be used")
    .option("--resource <resource>", "resource about to be touched")
    .action(async (o) => {
      const body = { credential: o.credential, ...(o.scope ? { scope: o.scope } : {}), ...(o.resource ? { resource: o.resource } : {}) };
      const answer = await callAs(o, "POST", "/v1/credentials/redeem", body);
      out(`${JSON.stringify(answer.body, null, 2)}\n`);
    });

  principalOptions(program.command("assertion"), "agent, resource server, admin or auditor")
    .description('print a fresh signed assertion, for curl: -H "Authorization: Bearer $(npx locksmith assertion …)"')
    .action(async (o) => {
      const [{ issuer }, key, { signAssertion }] = await Promise.all([resolveServer(o), readPrivateKey(o.key), import("@locksmith/client/internal")]);
      const assertion = await signAssertion({ id: o.as, key, audience: issuer });
      show({ assertion, audience: issuer }, () => `${assertion}\n`);
    });
}

export function ttlArgument(value: string): number | string {
  if (!/^\d+[smh]?$/.test(value)) throw new InvalidArgumentError("use seconds or 30s / 5m / 1h");
  return /^\d+$/.test(value) ? Number(value) : value;
}
