import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { principalOptions, readPrivateKey, resolveServer, type PrincipalOptions } from "./connection";
import { die, progress, show, table, wantsJson } from "./output";

// The ledger's code (Prisma, the key files) and the client SDK load in the actions that use them (see main.ts).

const FILTERS = ["from", "to", "agent", "user", "environment", "scope", "resource", "jti", "type", "decision"] as const;

/** `locksmith audit …`: verify the ledger, and query / tail / export / trace it as an auditor. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit ledger");

  audit
    .command("verify")
    .description("recompute every leaf and root from DATABASE_URL and check every signed checkpoint; exits 1 naming the first bad seq")
    .option("--verifier-key <vkey>", "the ledger's C2SP verifier key (name+hash+key)")
    .option(
      "--key-file <file>",
      "or: the ledger key file to take the verifier key from (default: LOCKSMITH_LEDGER_KEY_FILE)",
      process.env.LOCKSMITH_LEDGER_KEY_FILE,
    )
    .option(
      "--checkpoints <dir>",
      "also check against the signed checkpoints exported to this directory (default: LOCKSMITH_LEDGER_EXPORT_DIR)",
      process.env.LOCKSMITH_LEDGER_EXPORT_DIR,
    )
    .action(async (o: { verifierKey?: string; keyFile?: string; checkpoints?: string }) => {
      const url = process.env.DATABASE_URL;
      if (!url) return die("DATABASE_URL is not set");
      const { loadLedgerKey } = await import("../stores/keys/ledger-key-file.js");
      const verifierKey =
        o.verifierKey ??
        (o.keyFile
          ? (await loadLedgerKey(o.keyFile).catch((e: Error) => die(e.message))).verifierKey
          : die("pass --verifier-key or --key-file (or set LOCKSMITH_LEDGER_KEY_FILE)"));
      const exportedNotes = o.checkpoints ? await readExported(o.checkpoints) : [];
      const [{ verifyLedger }, { PostgresLedgerReader }, { createPrismaClient }] = await Promise.all([
        import("../domain/audit/verify-ledger.js"),
        import("../stores/postgres/postgres-ledger-reader.js"),
        import("../stores/postgres/prisma-client.js"),
      ]);
      const prisma = createPrismaClient(url, 2);
      try {
        const shown = progress();
        const report = await verifyLedger(new PostgresLedgerReader(prisma), {
          verifierKey,
          exportedNotes,
          onProgress: (checked) => shown.update(`verifying the ledger: ${checked} events checked`),
        });
        shown.done();
        if (wantsJson()) out(`${JSON.stringify(report, null, 2)}\n`);
        else if (report.ok) out(`ledger OK: ${report.size} events, ${report.checkpoints} checkpoints, ${report.exported} exported checkpoints verified\n`);
        else
          out(
            `ledger TAMPERED: first bad seq ${report.problems[0].seq} (${report.problems[0].kind}): ${report.problems[0].message}\n${report.problems
              .slice(1)
              .map((p) => `  also seq ${p.seq} (${p.kind}): ${p.message}\n`)
              .join("")}`,
          );
        if (!report.ok) process.exitCode = 1;
      } finally {
        await prisma.$disconnect();
      }
    });

  audit
    .command("keygen")
    .description("write a new ledger checkpoint key file (mode 0600) and print its verifier key")
    .requiredOption("--out <file>", "key file to write (default: LOCKSMITH_LEDGER_KEY_FILE)", process.env.LOCKSMITH_LEDGER_KEY_FILE)
    .requiredOption("--name <origin>", "the checkpoint origin, e.g. locksmith.example.com/audit")
    .action(async (o: { out: string; name: string }) => {
      const { writeNewLedgerKey } = await import("../stores/keys/ledger-key-file.js");
      const verifierKey = await writeNewLedgerKey(o.out, o.name);
      show({ file: o.out, verifier_key: verifierKey }, () => `${verifierKey}\n`);
    });

  audit
    .command("verifier-key")
    .description("print the C2SP verifier key of a ledger key file (give it to auditors)")
    .requiredOption("--key-file <file>", "the ledger key file (default: LOCKSMITH_LEDGER_KEY_FILE)", process.env.LOCKSMITH_LEDGER_KEY_FILE)
    .action(async (o: { keyFile: string }) => {
      const { loadLedgerKey } = await import("../stores/keys/ledger-key-file.js");
      const verifierKey = (await loadLedgerKey(o.keyFile).catch((e: Error) => die(e.message))).verifierKey;
      show({ verifier_key: verifierKey }, () => `${verifierKey}\n`);
    });

  const filtered = (command: Command) => {
    asAuditor(command);
    for (const name of FILTERS) command.option(`--${name} <value>`, `filter by ${name}`);
    return command;
  };

  filtered(audit.command("query"))
    .description("print matching events as NDJSON (--json: one array), following every page (GET /v1/audit/events)")
    .option("--limit <n>", "stop after this many events")
    .action(async (o) => {
      let printed = 0;
      const max = o.limit ? Number(o.limit) : Infinity;
      const all: unknown[] = [];
      for (let cursor: string | null = "0"; cursor && printed < max; ) {
        const page: { events: unknown[]; next_cursor: string | null } = await getJson(o, `/v1/audit/events?${query(o, { cursor, limit: "1000" })}`);
        for (const event of page.events.slice(0, max - printed)) {
          if (wantsJson()) all.push(event);
          else out(`${JSON.stringify(event)}\n`);
        }
        printed += page.events.length;
        cursor = page.next_cursor;
      }
      if (wantsJson()) out(`${JSON.stringify(all, null, 2)}\n`);
    });

  filtered(audit.command("tail"))
    .description("follow new events as they are committed (polls GET /v1/audit/events)")
    .option("--interval <ms>", "poll interval", "1000")
    .option("--from-start", "print the whole ledger first")
    .action(async (o) => {
      let cursor = o.fromStart ? "0" : await lastSeq(o);
      for (;;) {
        const page: { events: { seq: number }[]; next_cursor: string | null } = await getJson(o, `/v1/audit/events?${query(o, { cursor, limit: "1000" })}`);
        for (const event of page.events) out(`${JSON.stringify(event)}\n`);
        if (page.events.length > 0) cursor = String(page.events[page.events.length - 1].seq);
        if (!page.next_cursor) await new Promise((resolve) => setTimeout(resolve, Number(o.interval)));
      }
    });

  filtered(audit.command("export"))
    .description(
      "stream a range of events as NDJSON (GET /v1/audit/export); each line hashes to its leaf. With --out, prints what it wrote (--json: {file, events, bytes})",
    )
    .option("--after-seq <n>", "start after this seq")
    .option("--until-seq <n>", "stop at this seq")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (o) => {
      const response = await get(o, `/v1/audit/export?${query(o, { after_seq: o.afterSeq, until_seq: o.untilSeq })}`);
      const shown = progress();
      let events = 0;
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          for (const byte of chunk) if (byte === 0x0a) events++;
          shown.update(`exporting the ledger: ${events} events, ${bytes} bytes`);
          done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as never), count, o.out ? createWriteStream(o.out, { mode: 0o600 }) : process.stdout);
      shown.done();
      // On stdout the NDJSON is the answer (each line one JSON value, also with --json).
      if (o.out) show({ file: o.out, events, bytes }, () => `wrote ${events} events (${bytes} bytes) to ${o.out}\n`);
    });

  asAuditor(audit.command("trace"))
    .description("a credential's story: issued → redeemed ×N → revoked / expired (GET /v1/audit/trace/{jti})")
    .requiredOption("--jti <jti>", "the credential id")
    .action(async (o) => {
      const trace: { jti?: string; status?: string; redemptions?: number; events?: Record<string, unknown>[] } = await getJson(
        o,
        `/v1/audit/trace/${encodeURIComponent(o.jti)}`,
      );
      show(trace, () =>
        Array.isArray(trace.events)
          ? `${trace.jti}: ${trace.status}, ${trace.redemptions} redemption(s)\n` +
            table([
              ["SEQ", "AT", "TYPE", "DECISION", "ACTOR"],
              ...trace.events.map((e) => [e.seq, e.occurred_at, e.type, e.decision, e.actor].map((v) => String(v ?? "-"))),
            ])
          : `${JSON.stringify(trace, null, 2)}\n`,
      );
    });
}

interface AuditorOptions extends PrincipalOptions {
  [filter: string]: string | undefined | boolean;
}

const asAuditor = (command: Command) => principalOptions(command, "auditor");

function query(o: AuditorOptions, extra: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (typeof o[name] === "string") params.set(name, o[name] as string);
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) params.set(name, value);
  return params.toString();
}

// Streams (export) and 404-tolerant reads need the raw response, so this signs with the SDK's signAssertion rather than calling through its transport.
async function get(o: AuditorOptions, path: string, tolerate404 = false): Promise<globalThis.Response> {
  const [{ url, issuer }, key, { signAssertion }] = await Promise.all([resolveServer(o), readPrivateKey(o.key), import("@locksmith/client/internal")]);
  const assertion = await signAssertion({ id: o.as, key, audience: issuer });
  const response = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${assertion}` } }).catch((error: Error) =>
    die(`cannot reach ${url}: ${error.message}`),
  );
  if (!response.ok && !(tolerate404 && response.status === 404)) die(`${response.status} ${await response.text()}`);
  return response;
}

const getJson = async <T>(o: AuditorOptions, path: string): Promise<T> => (await (await get(o, path)).json()) as T;

async function lastSeq(o: AuditorOptions): Promise<string> {
  const response = await get(o, "/v1/audit/checkpoint", true);
  let cursor = response.ok ? String(((await response.json()) as { size: number }).size) : "0";
  // Skip what was committed after the checkpoint too: tail starts at "now".
  for (;;) {
    const page: { events: { seq: number }[]; next_cursor: string | null } = await getJson(o, `/v1/audit/events?cursor=${cursor}&limit=1000`);
    if (page.events.length > 0) cursor = String(page.events[page.events.length - 1].seq);
    if (!page.next_cursor) return cursor;
  }
}

async function readExported(dir: string): Promise<{ name: string; note: string }[]> {
  const names = (await readdir(dir).catch(() => die(`cannot read checkpoints directory ${dir}`))).filter((n) => n.startsWith("checkpoint.")).sort();
  return Promise.all(names.map(async (name) => ({ name, note: await readFile(join(dir, name), "utf8") })));
}

function out(text: string): void {
  process.stdout.write(text);
}
