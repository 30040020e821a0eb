import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { ROOT } from "./run-cli";

// Every `locksmith` invocation registers every command; only the command that runs may load the
// service's code. Loading all of it at start cost each invocation (`--help` and `--version`
// included) about half a second of CPU, and scripts start the CLI over and over (this suite, well
// over a hundred times). Checked by what is loaded, not by a timing.

const CLI = resolve(ROOT, "dist", "cli", "main.js");
const KEY = resolve(ROOT, "examples", "keys", "support-agent.jwk.json");
const LIST_LOADED = resolve(ROOT, "test", "fixtures", "cli-start", "list-loaded-files.cjs");

/** The service's heavy parts, as loaded paths: libraries from node_modules and our own server code. */
const SERVICE = [
  ...["zod", "yaml", "pg", "@prisma", "pino", "@opentelemetry", "express", "ioredis", "@electric-sql"].map((name) => `/node_modules/${name}/`),
  "/dist/domain/policy/",
  "/dist/stores/postgres/",
  "/dist/generated/",
  "/dist/telemetry/",
  "/dist/http/",
];

/** Runs the CLI with `args` and answers the files it loaded (written on exit, so whatever its outcome). */
function loadedBy(args: string[]): Promise<string[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["-r", LIST_LOADED, CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "ignore", "ignore", "pipe"],
      timeout: 20_000,
    });
    let listed = "";
    child.stdio[3]?.on("data", (chunk) => (listed += chunk));
    child.on("close", () => (listed ? done(JSON.parse(listed) as string[]) : fail(new Error(`no list of loaded files from locksmith ${args.join(" ")}`))));
  });
}

const service = (files: string[]) => files.filter((file) => SERVICE.some((part) => file.includes(part)));

test.each(["--version", "--help", "audit --help", "status --url http://127.0.0.1:9"])("`locksmith %s` loads none of the service's code", async (args) => {
  expect(service(await loadedBy(args.split(" ")))).toEqual([]);
});

test("a call as a principal loads the client SDK and still nothing of the service", async () => {
  const files = await loadedBy([
    "credential",
    "--as",
    "support-agent",
    "--key",
    KEY,
    "--scope",
    "crm:read",
    "--resource",
    "crm:customers/42",
    "--url",
    "http://127.0.0.1:9",
  ]);
  expect(files.some((file) => file.includes("/node_modules/jose/"))).toBe(true);
  expect(service(files)).toEqual([]);
});

test("the check is live: a command that needs the policy code loads it", async () => {
  const files = await loadedBy(["policy", "validate", resolve(ROOT, "examples", "policy.yaml")]);
  expect(service(files)).toEqual(expect.arrayContaining([expect.stringContaining("/node_modules/zod/"), expect.stringContaining("/dist/domain/policy/")]));
});
