import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError } from "commander";
import { signAssertion, type PrivateJwk } from "../client/sign-assertion";
import { loadPolicyFile } from "../domain/policy/load-policy";
import { generateKeys, writeKeysFile } from "../stores/keys/keys-file";
import { migrate } from "../stores/postgres/migrate";
import { resolve } from "node:path";
import { access } from "node:fs/promises";
import { registerAuditCommands } from "./audit.command";
import { registerPolicyCommands } from "./policy-commands";
import { protectorFromEnv, registerKeysRotate } from "./keys-rotate.command";
import { registerSecretsCommands } from "./secrets.command";

/** `locksmith`: keys, credentials and migrations from the command line. */
const program = new Command("locksmith")
  .description("Locksmith: just-in-time credentials for AI agents")
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

const keys = program.command("keys").description("signing keys of the environments");
keys
  .command("generate")
  .description("write a new keys file with an active and a next Ed25519 key per environment of the policy (sealed when LOCKSMITH_KEYS_KEK is set)")
  .requiredOption("--policy <file>", "policy bundle whose environments get keys")
  .requiredOption("--out <file>", "keys file to write (point LOCKSMITH_KEYS_FILE at it)")
  .option("--force", "overwrite an existing keys file")
  .action(async (options: { policy: string; out: string; force?: boolean }) => {
    const exists = await access(options.out).then(() => true, () => false);
    if (exists && !options.force) return die(`${options.out} exists; pass --force to replace it (tokens signed by its keys stop verifying)`);
    const policy = await loadPolicyFile(options.policy);
    const content = await generateKeys(policy.environments, new Date(), { protector: protectorFromEnv(), withNext: true });
    await writeKeysFile(options.out, content);
    out(`wrote ${options.out} (mode 0600): ${content.keys.map((k) => `${k.environment} ${k.kid}`).join(", ")}\n`);
  });

registerKeysRotate(keys, (message) => die(message));

const connection = (command: Command) =>
  command
    .option("--url <url>", "Locksmith's URL", process.env.LOCKSMITH_URL ?? "http://localhost:8080")
    .option("--issuer <url>", "Locksmith's issuer, the audience of your assertion (default: --url)")
    .requiredOption("--key <file>", "your private JWK file");

connection(program.command("credential"))
  .description("ask for a credential as an agent (POST /v1/credentials) and print the answer")
  .requiredOption("--agent <id>", "the agent id")
  .requiredOption("--scope <scopes>", "space-separated scopes")
  .requiredOption("--resource <resource>", "the resource")
  .option("--ttl <ttl>", "lifetime: seconds or 30s / 5m / 1h")
  .option("--reason <text>", "why, for the audit log")
  .action(async (o) => {
    const body = { scope: o.scope, resource: o.resource, ...(o.ttl ? { ttl: ttlArgument(o.ttl) } : {}), ...(o.reason ? { reason: o.reason } : {}) };
    await call(o, o.agent, "POST", "/v1/credentials", body);
  });

connection(program.command("redeem"))
  .description("redeem a credential as a resource server (POST /v1/credentials/redeem)")
  .requiredOption("--as <id>", "the resource server id")
  .requiredOption("--credential <token>", "the credential to redeem")
  .option("--scope <scopes>", "scopes about to be used")
  .option("--resource <resource>", "resource about to be touched")
  .action(async (o) => {
    const body = { credential: o.credential, ...(o.scope ? { scope: o.scope } : {}), ...(o.resource ? { resource: o.resource } : {}) };
    await call(o, o.as, "POST", "/v1/credentials/redeem", body);
  });

connection(program.command("revoke"))
  .description("revoke a credential by its jti, as its agent or an admin (DELETE /v1/credentials/{jti})")
  .requiredOption("--as <id>", "the agent or admin id")
  .requiredOption("--jti <jti>", "the credential id")
  .action(async (o) => call(o, o.as, "DELETE", `/v1/credentials/${encodeURIComponent(o.jti)}`));

connection(program.command("assertion"))
  .description("print a fresh signed assertion, for curl: -H \"Authorization: Bearer $(npx locksmith assertion …)\"")
  .requiredOption("--as <id>", "your agent, resource server or admin id")
  .action(async (o) => out(`${await assertionFor(o, o.as)}\n`));

program
  .command("migrate")
  .description("apply the database migrations (audit ledger, sealed upstream secrets, database role registry) to DATABASE_URL")
  .action(async () => {
    const url = process.env.DATABASE_URL;
    if (!url) return die("DATABASE_URL is not set");
    const applied = await migrate(url, resolve(__dirname, "..", "..", "prisma", "migrations"));
    out(applied.length ? `applied ${applied.join(", ")}\n` : "database is up to date\n");
  });

registerAuditCommands(program);
registerSecretsCommands(program, { call: (o, method, path, body) => call(o, o.as, method, path, body), die });

interface ConnectionOptions {
  url: string;
  issuer?: string;
  key: string;
}

async function assertionFor(o: ConnectionOptions, id: string): Promise<string> {
  let key: PrivateJwk;
  try {
    key = JSON.parse(await readFile(o.key, "utf8"));
  } catch {
    return die(`cannot read a private JWK from ${o.key}`);
  }
  return signAssertion({ id, key, audience: (o.issuer ?? o.url).replace(/\/$/, "") });
}

async function call(o: ConnectionOptions, id: string, method: string, path: string, body?: unknown): Promise<void> {
  const assertion = await assertionFor(o, id);
  const response = await fetch(new URL(path, o.url), {
    method,
    headers: { authorization: `Bearer ${assertion}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((error: Error) => die(`cannot reach ${o.url}: ${error.message}`));
  const text = await response.text();
  out(text ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : `${response.status} ${response.statusText}\n`);
  if (!response.ok) process.exitCode = 1;
}

function ttlArgument(value: string): number | string {
  if (!/^\d+[smh]?$/.test(value)) throw new InvalidArgumentError("use seconds or 30s / 5m / 1h");
  return /^\d+$/.test(value) ? Number(value) : value;
}

function out(text: string): void {
  process.stdout.write(text);
}

function die(message: string): never {
  process.stderr.write(`locksmith: ${message}\n`);
  process.exit(1);
}

registerPolicyCommands(program);

program.parseAsync().catch((error: Error) => die(error.message));
