import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { Command } from "commander";
import { registerAdminCommands } from "./admin.command";
import { registerApprovalsCommands } from "./approvals.command";
import { registerAuditCommands } from "./audit.command";
import { registerCallCommands } from "./calls.command";
import { protectorFromEnv, registerKeysRotate } from "./keys-rotate.command";
import { die, setJsonMode, show } from "./output";
import { registerPolicyCommands } from "./policy-commands";
import { registerPrincipalCommands } from "./principals.command";
import { registerSecretsCommands } from "./secrets.command";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../../package.json") as { version: string };

// Registering the commands loads only commander and the CLI's own small modules; each action
// imports the service code it runs (policy, keys, PostgreSQL, Prisma, the client SDK) when it runs.
// Loading all of it up front cost every invocation, `--help` and `--version` included, about half a
// second of CPU (test/cli/cli-start.test.ts keeps it out).

/**
 * `locksmith`: one grammar for every audience. The server is `--url` / `--issuer`, else the
 * settings the service reads (LOCKSMITH_URL, LOCKSMITH_ISSUER, PORT) or its metadata; a
 * principal is `--as <id> --key <file>`; every file flag defaults to the service's setting;
 * `--json` anywhere prints one JSON value. Reference: docs/cli.md.
 */
const program = new Command("locksmith")
  .description("Locksmith: just-in-time credentials for AI agents (docs/cli.md)")
  .version(version, "-V, --version")
  .option("--json", "print one JSON value instead of lines for people")
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .hook("preAction", (_program, action) => setJsonMode(Boolean(action.optsWithGlobals().json)));

const keys = program.command("keys").description("signing keys of the environments");
keys
  .command("generate")
  .description(
    "write a new keys file with an active and a next key per environment of the policy and algorithm its resource servers use (EdDSA, and ES256/RS256 where asked; sealed when LOCKSMITH_KEYS_KEK is set)",
  )
  .option("--policy <file>", "policy bundle whose environments get keys (default: LOCKSMITH_POLICY)", process.env.LOCKSMITH_POLICY)
  .option("--out <file>", "keys file to write (default: LOCKSMITH_KEYS_FILE)", process.env.LOCKSMITH_KEYS_FILE)
  .option("--force", "overwrite an existing keys file")
  .action(async (options: { policy?: string; out?: string; force?: boolean }) => {
    if (!options.policy) return die("--policy (or LOCKSMITH_POLICY) is required");
    if (!options.out) return die("--out (or LOCKSMITH_KEYS_FILE) is required");
    const exists = await access(options.out).then(
      () => true,
      () => false,
    );
    if (exists && !options.force) return die(`${options.out} exists; pass --force to replace it (tokens signed by its keys stop verifying)`);
    const [{ loadPolicyFile }, { generateKeys, writeKeysFile }, { keysNeeded }] = await Promise.all([
      import("../domain/policy/load-policy.js"),
      import("../stores/keys/keys-file.js"),
      import("../domain/keys/signing-alg.js"),
    ]);
    const policy = await loadPolicyFile(options.policy).catch((error: Error) => die(`--policy: ${error.message}`));
    const content = await generateKeys(keysNeeded(policy), new Date(), { protector: protectorFromEnv(), withNext: true });
    await writeKeysFile(options.out, content);
    const written = content.keys.map((k) => ({ environment: k.environment, kid: k.kid, alg: k.alg, status: k.status }));
    show(
      { file: options.out, keys: written },
      () => `wrote ${options.out} (mode 0600): ${written.map((k) => `${k.environment} ${k.alg} ${k.kid}`).join(", ")}\n`,
    );
  });
registerKeysRotate(keys, die);

program
  .command("migrate")
  .description("apply the database migrations (audit ledger, sealed upstream secrets, database role registry) to DATABASE_URL")
  .action(async () => {
    const url = process.env.DATABASE_URL;
    if (!url) return die("DATABASE_URL is not set");
    const { migrate } = await import("../stores/postgres/migrate.js");
    const applied = await migrate(url, resolve(__dirname, "..", "..", "prisma", "migrations"));
    show({ applied }, () => (applied.length ? `applied ${applied.join(", ")}\n` : "database is up to date\n"));
  });

registerCallCommands(program);
registerPrincipalCommands(program);
registerApprovalsCommands(program);
registerAuditCommands(program);
const policy = registerPolicyCommands(program);
registerAdminCommands(program, policy);
registerSecretsCommands(program);

program.parseAsync().catch((error: Error) => die(error.message));
