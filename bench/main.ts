import { execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { generateBundle, type BenchBundle } from "./bundle";
import { drive, medianRound, median } from "./load";
import { cryptoLimit, postgresLimit, redisLimit } from "./limits";
import { startLocksmithProcess } from "./locksmith-process";
import { parseOptions, type BenchOptions } from "./options";
import { checkPeer, peerWorkload, startPeer } from "./peer";
import { markdown, type BenchResult, type Measured } from "./report";
import { benchRedisPrefix, createBenchDatabase, deleteRedisKeys, PACKAGE_ROOT } from "./services";
import { auditAppendRate, fillLedger, redisBytesPerCredential } from "./store-figures";
import { startNode, freePort } from "./processes";
import { introspectionWorkload, issuanceWorkload, issueForRedemption, mixedWorkload, redemptionWorkload, type Workload } from "./workloads";

/** Pool sizes are rate ceilings × seconds: a run faster than this reuses assertions, the replays count as errors and `poolExhausted` says so. */
const CEILING = { issuance: 7000, redemption: 12000, mixedCycles: 3000, peer: 5000 };

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Measures one workload: `rounds` rounds, each with a freshly signed pool, the median round reported. */
async function measure(url: string, options: BenchOptions, make: () => Workload | Promise<Workload>, pid?: () => number | undefined): Promise<Measured> {
  const rounds = [];
  let exhausted = 0;
  let name = "";
  let steps = 1;
  for (let r = 0; r < options.rounds; r++) {
    const workload = await make();
    name = workload.name;
    steps = workload.steps.length;
    const round = await drive(url, workload.steps, { connections: options.connections, seconds: options.seconds, pid: pid?.() });
    exhausted += workload.pool.exhausted;
    log(
      `${name} round ${r + 1}: ${Math.round(round.rps)} req/s, p99 ${round.p99} ms, CPU ${round.cpuMsPerRequest ?? "?"} ms/req, errors ${round.errors} ${round.sampleErrors.join(" | ")}`,
    );
    rounds.push(round);
  }
  const m = medianRound(rounds);
  return { ...m, unitsPerSecond: m.rps / steps, poolExhausted: exhausted };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadBefore = load();
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-run-"));
  const limitMs = options.quick ? 500 : 3000;
  // No workload outruns express answering a fixed body, so pools need not be bigger than 1.5× that rate.
  let helloRate = Infinity;
  const size = (ceiling: number) => Math.ceil(Math.min(ceiling, helloRate * 1.5) * options.seconds);
  log(`${options.quick ? "quick" : "full"} run; load average ${loadBefore}`);

  const bundle: BenchBundle = generateBundle(dir, { agents: 300, roles: 40 });
  const limits: Record<string, number | string> = {};
  const figures: Record<string, number | string> = {};
  const workloads: BenchResult["workloads"] = {};

  // ---- limits, same machine, same run
  const crypto = await cryptoLimit(limitMs);
  limits["crypto: verify + sign EdDSA, node:crypto, 1 core (/s)"] = crypto.nodeCrypto;
  limits["crypto: jose verify + node:crypto sign, 1 core (/s)"] = crypto.asLocksmith;
  const helloPort = await freePort();
  const hello = await startNode(resolve(__dirname, "express-hello.js"), { port: helloPort, readyPath: "/" });
  const helloRun = await measureFixed(hello.url, options);
  await hello.stop();
  helloRate = helloRun.rps;
  limits["express 5 fixed JSON body (req/s)"] = helloRun.rps;
  const prefix = benchRedisPrefix();
  limits["Redis round trips, 64 in flight (/s)"] = await redisLimit(limitMs, prefix);
  await deleteRedisKeys(prefix);
  const scratch = await createBenchDatabase();
  const pg = await postgresLimit(limitMs, scratch);
  limits["PostgreSQL durable 1-row INSERT commits, 16 connections (/s)"] = pg.rate;
  limits["PostgreSQL synchronous_commit"] = pg.synchronousCommit;
  figures["audit events appended (durable, group commit, 64 appenders) /s"] = await auditAppendRate(limitMs, scratch);
  await scratch.drop();
  const memory = await redisBytesPerCredential(options.liveTokens);
  figures[`Redis bytes per live credential (${options.liveTokens.toLocaleString("en-US")} live, private ${memory.server})`] = memory.bytes;

  // ---- Locksmith
  const profileDir = resolve(PACKAGE_ROOT, "bench", "results", "profiles");
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const locksmith = await startLocksmithProcess(bundle.file, options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
  try {
    workloads.issuance = await measure(locksmith.url, options, () => issuanceWorkload(bundle, size(CEILING.issuance)), locksmith.pid);
    const live = await issueForRedemption(locksmith.url, bundle, 400);
    workloads.redemption = await measure(locksmith.url, options, () => redemptionWorkload(live, size(CEILING.redemption)), locksmith.pid);
    workloads.introspection = await measure(locksmith.url, options, () => introspectionWorkload(live, size(CEILING.redemption)), locksmith.pid);
    workloads["mixed issue → redeem → revoke"] = await measure(locksmith.url, options, () => mixedWorkload(bundle, size(CEILING.mixedCycles)), locksmith.pid);
    if (options.ledgerRows > 0) {
      log(`filling the ledger with ${options.ledgerRows} events`);
      await fillLedger(locksmith.database, options.ledgerRows);
      await locksmith.restart();
      workloads[`issuance, ${options.ledgerRows.toLocaleString("en-US")} events in the ledger`] = await measure(
        locksmith.url,
        options,
        () => issuanceWorkload(bundle, size(CEILING.issuance)),
        locksmith.pid,
      );
    }
  } finally {
    await locksmith.close();
  }

  // ---- the peer
  const peer = await startPeer(bundle, dir);
  try {
    await checkPeer(peer.url, bundle);
    workloads["peer: node-oidc-provider client_credentials"] = await measure(
      peer.url,
      options,
      () => peerWorkload(bundle, peer.url, size(CEILING.peer)),
      () => peer.process.pid,
    );
  } finally {
    await peer.stop();
  }
  rmSync(dir, { recursive: true, force: true });

  const result = summarize(options, limits, figures, workloads, loadBefore);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(resolve(options.out), JSON.stringify(result, null, 2));
  process.stdout.write(`${markdown(result)}\n\nresult file: ${options.out}\n`);
  const unmeasured = Object.entries(workloads).filter(([, w]) => !("notMeasured" in w) && w.requests === 0);
  if (unmeasured.length > 0) throw new Error(`measured nothing for ${unmeasured.map(([name]) => name).join(", ")}`);
  log(`ran and measured ${Object.keys(workloads).length - 1} workloads and ${Object.keys(limits).length} limits`);
}

async function measureFixed(url: string, options: BenchOptions) {
  const rounds = [];
  for (let r = 0; r < options.rounds; r++) {
    rounds.push(
      await drive(url, [{ method: "GET", build: () => ({ path: "/", expect: [200] }) }], { connections: options.connections, seconds: options.seconds }),
    );
  }
  return medianRound(rounds);
}

function summarize(
  options: BenchOptions,
  limits: BenchResult["limits"],
  figures: BenchResult["figures"],
  workloads: BenchResult["workloads"],
  loadBefore: string,
): BenchResult {
  const rate = (name: string) => {
    const w = workloads[name];
    return w && !("notMeasured" in w) ? w : undefined;
  };
  const issuance = rate("issuance")!;
  const redemption = rate("redemption")!;
  const mixed = rate("mixed issue → redeem → revoke")!;
  const peer = rate("peer: node-oidc-provider client_credentials")!;
  const filled = Object.keys(workloads).find((k) => k.startsWith("issuance, "));
  const hello = limits["express 5 fixed JSON body (req/s)"] as number;
  // Issuance needs per request: one verify + one sign, two Redis round trips (replay marker, state), one ledger row.
  const ceilings = {
    crypto: limits["crypto: verify + sign EdDSA, node:crypto, 1 core (/s)"] as number,
    express: hello,
    redis: (limits["Redis round trips, 64 in flight (/s)"] as number) / 2,
    postgres: limits["PostgreSQL durable 1-row INSERT commits, 16 connections (/s)"] as number,
  };
  const [tightestName, tightest] = Object.entries(ceilings).sort((a, b) => a[1] - b[1])[0];
  figures["issuance / peer"] = issuance.rps / peer.rps;
  figures["issuance / express hello-world"] = issuance.rps / hello;
  figures[`issuance / tightest limit (${tightestName}, ${Math.round(tightest)}/s)`] = issuance.rps / tightest;
  const cycles = mixed.rps / 3;
  figures["mixed: full cycles /s"] = cycles;
  if (filled) figures["issuance with a filled ledger / issuance with an empty one"] = rate(filled)!.rps / issuance.rps;
  const bytes = Object.entries(figures).find(([k]) => k.startsWith("Redis bytes"))![1] as number;
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const targets: BenchResult["targets"] = [
    { target: "issuance ≥ 1.5 × peer", value: `${(issuance.rps / peer.rps).toFixed(2)} ×`, met: issuance.rps >= 1.5 * peer.rps },
    { target: "issuance p99 ≤ 25 ms at 64 clients", value: `${issuance.p99} ms`, met: issuance.p99 <= 25 },
    { target: "issuance ≥ 45% of express hello-world", value: pct(issuance.rps / hello), met: issuance.rps >= 0.45 * hello },
    { target: "redemption ≥ 7,000/s", value: `${Math.round(redemption.rps)}/s`, met: redemption.rps >= 7000 },
    { target: "redemption p99 ≤ 15 ms", value: `${redemption.p99} ms`, met: redemption.p99 <= 15 },
    { target: "mixed ≥ 2,000 cycles/s", value: `${Math.round(cycles)}/s`, met: cycles >= 2000 },
    { target: "≤ 350 Redis bytes per live credential", value: `${Math.round(bytes)} B`, met: bytes <= 350 },
    filled
      ? { target: "filled ledger ≥ 90% of empty", value: pct(rate(filled)!.rps / issuance.rps), met: rate(filled)!.rps >= 0.9 * issuance.rps }
      : { target: "filled ledger ≥ 90% of empty", value: "not run (--ledger-rows 0)", met: "n/a" },
  ];
  return {
    when: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim(),
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadBefore,
      loadAfter: load(),
      uptime: execSync("uptime").toString().trim(),
      note: "other test suites share this machine; figures are noisy, medians of rounds",
    },
    options: { mode: options.quick ? "quick" : "full", ...options },
    workloads,
    limits,
    figures: { ...figures, "median round req/s (issuance)": median(issuance.rounds) },
    targets,
  };
}

main().catch((error: Error) => {
  process.stderr.write(`bench: failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
