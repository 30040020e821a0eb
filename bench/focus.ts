import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateBundle } from "./bundle";
import { measure } from "./measure";
import { startLocksmithProcess } from "./locksmith-process";
import { PACKAGE_ROOT } from "./services";
import { issuanceWorkload, issueForRedemption, mixedWorkload, redemptionWorkload, type Workload } from "./workloads";

/**
 * `npm run bench:focus -- [issuance] [redemption] [mixed] [--seconds N] [--rounds N] [--profile]`:
 * the hot-path workloads alone against one Locksmith process, for working on them (a minute, not
 * fifteen). Prints req/s, p99 and server CPU per request; the figures of record come from `npm run bench`.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const seconds = value("seconds", 5);
  const rounds = value("rounds", 2);
  const named = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--seconds") && !argv[i - 1]?.startsWith("--rounds"));
  const chosen = named.length > 0 ? named : ["issuance", "redemption", "mixed"];
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-focus-"));
  const bundle = generateBundle(dir, { agents: 300, roles: 40 });
  const profileDir = resolve(PACKAGE_ROOT, "bench", "results", "profiles");
  const profile = argv.includes("--profile");
  if (profile) mkdirSync(profileDir, { recursive: true });
  const locksmith = await startLocksmithProcess(bundle.file, profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
  const run = async (name: string, make: () => Workload | Promise<Workload>) => {
    const m = await measure(locksmith.url, { rounds, seconds, connections: 64 }, make, locksmith.pid);
    process.stdout.write(
      `${name.padEnd(12)} ${Math.round(m.rps)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  CPU ${m.cpuMsPerRequest ?? "?"} ms/req (event loop ${m.eventLoopMsPerRequest ?? "?"}, busy ${m.eventLoopBusy ?? "?"}; machine busy ${m.machineBusy ?? "?"})  errors ${m.errors}  rounds ${m.rounds.join(", ")}\n`,
    );
  };
  try {
    const size = 7000 * seconds;
    if (chosen.includes("issuance")) await run("issuance", () => issuanceWorkload(bundle, size));
    if (chosen.includes("redemption")) {
      const live = await issueForRedemption(locksmith.url, bundle, 400);
      await run("redemption", () => redemptionWorkload(live, 12000 * seconds));
    }
    if (chosen.includes("mixed")) await run("mixed", () => mixedWorkload(bundle, 3000 * seconds));
  } finally {
    await locksmith.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (profile) process.stdout.write(`profile written to ${profileDir}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
