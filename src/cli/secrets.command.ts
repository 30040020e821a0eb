import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Answer } from "@locksmith/client/internal";
import { callAs, principalOptions } from "./connection";
import { die, show, table } from "./output";

/**
 * `locksmith secrets put|rotate|delete|list`: the platform team's hands on
 * upstream secrets, through the admin API (Locksmith seals them; this command
 * needs no KEK and no database). A value is read from a file or stdin, never
 * from the command line, where `ps` and shell history would keep it.
 */
export function registerSecretsCommands(program: Command): void {
  const secrets = program.command("secrets").description("upstream secrets (API keys, database admin URLs), sealed in Locksmith; admins only");
  const admin = (command: Command) => principalOptions(command, "admin");
  const valued = (command: Command) => admin(command).option("--from-file <file>", "read the value from this file (default: stdin)");
  const print = (answer: Answer) =>
    show(answer.body ?? { status: answer.status }, () => (answer.body ? `${JSON.stringify(answer.body, null, 2)}\n` : `${answer.status}\n`));

  valued(secrets.command("put <upstream>").description("store the secret of an upstream the policy declares (fails if it has one: rotate it)")).action(
    async (upstream: string, o) => {
      print(await callAs(o, "PUT", `/v1/admin/secrets/${encodeURIComponent(upstream)}`, { value: await readValue(o.fromFile, die) }));
    },
  );
  valued(secrets.command("rotate <upstream>").description("replace an upstream's secret (fresh data key, version + 1)")).action(async (upstream: string, o) => {
    print(await callAs(o, "POST", `/v1/admin/secrets/${encodeURIComponent(upstream)}/rotate`, { value: await readValue(o.fromFile, die) }));
  });
  admin(secrets.command("delete <upstream>").description("delete an upstream's secret now (idempotent)")).action(async (upstream: string, o) => {
    print(await callAs(o, "DELETE", `/v1/admin/secrets/${encodeURIComponent(upstream)}`));
  });
  admin(secrets.command("list").description("list secrets: upstream, owner, version, KEK id, dates (never a value)")).action(async (o) => {
    const answer = await callAs(o, "GET", "/v1/admin/secrets");
    const rows = (answer.body as { secrets?: Record<string, unknown>[] } | undefined)?.secrets;
    if (!Array.isArray(rows)) return print(answer);
    show(answer.body, () =>
      rows.length === 0
        ? "no upstream secret is stored\n"
        : table([
            ["UPSTREAM", "OWNER", "VERSION", "KEK", "UPDATED", "BY"],
            ...rows.map((r) => [r.upstream, r.owner, r.version, r.kek_id, r.updated_at, r.updated_by].map((v) => String(v ?? "-"))),
          ]),
    );
  });
}

async function readValue(file: string | undefined, die: (message: string) => never): Promise<string> {
  const raw = file ? await readFile(file, "utf8").catch(() => die(`cannot read ${file}`)) : await readStdin();
  // One trailing newline is the file's or the shell's, not the secret's.
  const value = raw.replace(/\r?\n$/, "");
  if (!value) return die("the value is empty");
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
