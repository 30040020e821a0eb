import { mkdir, writeFile, access } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { protectorFromEnv } from "./keys-rotate.command";
import { die, show } from "./output";
import type { Section } from "./principal-entry";

// The bundle, key and ledger code (yaml, zod, jose) loads in the actions that use it (see main.ts).

interface AddOptions {
  environment: string;
  out: string;
  policy?: string;
  apply?: boolean;
  force?: boolean;
}

const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Registering principals without hand-written JWKs: `locksmith init` for a new deployment,
 * `locksmith agent add` and `locksmith resource-server add` for each new principal.
 */
export function registerPrincipalCommands(program: Command): void {
  const withBundle = (command: Command) =>
    command
      .requiredOption("--environment <env>", "its environment")
      .option("--out <dir>", "folder for its private key, written 0600", "keys")
      .option("--policy <file>", "the bundle to check it against and --apply it to (default: LOCKSMITH_POLICY)", process.env.LOCKSMITH_POLICY)
      .option("--apply", "add it to the bundle file (then `locksmith policy reload`)")
      .option("--force", "replace an existing private key file");

  withBundle(program.command("agent").description("register agents").command("add <id>"))
    .description("make an agent a key pair and its bundle entry (prints the YAML; --apply adds it)")
    .requiredOption("--roles <roles>", "its roles, comma-separated", list)
    .action(async (id: string, o: AddOptions & { roles: string[] }) => add(o, "agents", id, (auth) => ({ environment: o.environment, roles: o.roles, auth })));

  withBundle(program.command("resource-server").description("register resource servers (the APIs that accept Locksmith credentials)").command("add <id>"))
    .description("make a resource server a key pair and its bundle entry (prints the YAML; --apply adds it)")
    .requiredOption("--audience <aud>", "the aud of its credentials, e.g. https://api.example.com")
    .requiredOption("--resources <patterns>", "the resources it serves, comma-separated, e.g. crm:**", list)
    .action(async (id: string, o: AddOptions & { audience: string; resources: string[] }) =>
      add(o, "resource_servers", id, (auth) => ({ environment: o.environment, audience: o.audience, resources: o.resources, auth })),
    );

  program
    .command("init")
    .description("start a new deployment: a starter bundle with an admin, signing keys and the ledger key, in one folder")
    .option("--dir <dir>", "where to write them", "locksmith")
    .option("--environments <envs>", "environments, comma-separated", list, ["production"])
    .option("--admin <id>", "the first admin's id", "admin")
    .option("--issuer <url>", "Locksmith's public URL (default: LOCKSMITH_ISSUER, else http://localhost:$PORT)")
    .option("--force", "replace files that exist")
    .action(async (o: { dir: string; environments: string[]; admin: string; issuer?: string; force?: boolean }) => {
      const issuer = (o.issuer ?? process.env.LOCKSMITH_ISSUER ?? `http://localhost:${process.env.PORT ?? 8080}`).replace(/\/$/, "");
      const files = { policy: join(o.dir, "policy.yaml"), keys: join(o.dir, "keys.json"), ledgerKey: join(o.dir, "ledger-key.json") };
      for (const file of Object.values(files)) {
        if (
          !o.force &&
          (await access(file).then(
            () => true,
            () => false,
          ))
        )
          die(`${file} exists; pass --force to replace it`);
      }
      const [{ parsePolicy }, { ledgerOrigin, writeNewLedgerKey }, { generateKeys, writeKeysFile }, { entryYaml, keyAuth, newPrincipalKey, writePrivateKey }] =
        await Promise.all([
          import("../domain/policy/load-policy.js"),
          import("../stores/keys/ledger-key-file.js"),
          import("../stores/keys/keys-file.js"),
          import("./principal-entry.js"),
        ]);
      const admin = newPrincipalKey(o.admin);
      const bundle = starterBundle(o.environments, o.admin, entryYaml("admins", o.admin, { auth: keyAuth(admin.publicJwk) }));
      parsePolicy(bundle, files.policy); // the starter bundle must itself be valid
      await mkdir(o.dir, { recursive: true, mode: 0o700 });
      await writeFile(files.policy, bundle);
      const adminKey = await writePrivateKey(join(o.dir, "keys"), o.admin, admin.privateJwk, o.force).catch((error: Error) => die(error.message));
      await writeKeysFile(files.keys, await generateKeys(o.environments, new Date(), { protector: protectorFromEnv(), withNext: true }));
      const verifierKey = await writeNewLedgerKey(files.ledgerKey, ledgerOrigin(issuer));
      const settings = {
        LOCKSMITH_POLICY: resolve(files.policy),
        LOCKSMITH_KEYS_FILE: resolve(files.keys),
        LOCKSMITH_LEDGER_KEY_FILE: resolve(files.ledgerKey),
        LOCKSMITH_ISSUER: issuer,
      };
      show({ settings, admin: { id: o.admin, key: adminKey }, ledger_verifier_key: verifierKey }, () =>
        [
          `wrote ${files.policy}, ${files.keys} and ${files.ledgerKey} (private files 0600)`,
          `admin ${o.admin}: private key ${adminKey}`,
          `ledger verifier key (give it to your auditors): ${verifierKey}`,
          "",
          "Point Locksmith at them:",
          `  export ${Object.entries(settings)
            .map(([name, value]) => `${name}=${value}`)
            .join(" \\\n         ")}`,
          "",
          "Then add principals: npx locksmith resource-server add … --apply; npx locksmith agent add … --apply",
          "",
        ].join("\n"),
      );
    });
}

async function add(o: AddOptions, section: Section, id: string, entryOf: (auth: object) => object): Promise<void> {
  const { bundleWith, entryYaml, keyAuth, newPrincipalKey, writeBundle, writePrivateKey } = await import("./principal-entry.js");
  const key = newPrincipalKey(id);
  const entry = entryOf(keyAuth(key.publicJwk));
  // Check before writing anything: a refused entry leaves no orphan key behind.
  const checked = o.policy ? await bundleWith(o.policy, section, id, entry).catch((error: Error) => die(error.message)) : undefined;
  if (o.apply && !checked) return die("--apply needs the bundle: pass --policy or set LOCKSMITH_POLICY");
  const keyFile = await writePrivateKey(o.out, id, key.privateJwk, o.force).catch((error: Error) => die(error.message));
  if (o.apply) await writeBundle(o.policy!, checked!.text);
  const yaml = entryYaml(section, id, entry);
  show({ id, section, private_key: keyFile, yaml, applied: Boolean(o.apply), policy: o.policy, policy_version: checked?.version }, () =>
    [
      `private key: ${keyFile} (0600; keep it with ${id}, never in the bundle)`,
      o.apply
        ? `added ${section}.${id} to ${o.policy}; load it: npx locksmith policy reload --as <admin> --key <admin key> (or SIGHUP)`
        : `paste into ${o.policy ?? "your bundle"}${checked ? " (checked: valid)" : ""}:`,
      "",
      ...(o.apply ? [] : [yaml]),
    ].join("\n"),
  );
}

function starterBundle(environments: string[], admin: string, adminYaml: string): string {
  return `# Locksmith policy bundle: keep it in git, review it like code (docs/getting-started.md).
# Public keys only: private keys stay with their principals.

environments: [${environments.join(", ")}]

# The APIs that accept Locksmith credentials: npx locksmith resource-server add <id> --environment … --audience … --resources … --apply
resource_servers: {}

# What agents may do. Example:
#   support:
#     grants:
#       - scopes: [crm:read]
#         resources: ["crm:customers/*"]
#         max_ttl: 5m
#     deny:
#       - scopes: ["*:delete"]
#         resources: ["**"]
roles: {}

# npx locksmith agent add <id> --environment … --roles … --apply
agents: {}

# ${admin} may revoke credentials, suspend agents and reload this bundle.
${adminYaml}`;
}
