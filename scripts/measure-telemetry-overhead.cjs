#!/usr/bin/env node
/*
 * Telemetry overhead, measured: runs Locksmith (node dist/main.js, production mode on the local
 * Redis and PostgreSQL, its own database and key prefix) twice per round — telemetry off
 * (OTEL_SDK_DISABLED=true, LOCKSMITH_METRICS=off), "local" (spans recorded for trace ids in
 * logs, Prometheus metrics, no export) and "on" (the same, every span exported over OTLP/HTTP to a
 * local sink) — and drives POST /v1/credentials from this
 * process. The figure that counts is Locksmith's CPU time per issuance (from /proc), which other
 * load on the machine barely moves; throughput and latency are printed too, for context. Usage: npm run build && node scripts/measure-telemetry-overhead.cjs [seconds] [concurrency]
 */
const { spawn } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const { mkdtempSync, readFileSync, rmSync } = require("node:fs");
const http = require("node:http");
const { tmpdir, cpus } = require("node:os");
const { join, resolve } = require("node:path");
const { Client } = require("pg");
const { Redis } = require("ioredis");

const ROOT = resolve(__dirname, "..");
const { migrate } = require(join(ROOT, "dist/stores/postgres/migrate.js"));
const { generateKeys, writeKeysFile } = require(join(ROOT, "dist/stores/keys/keys-file.js"));
const { signAssertion } = require("@locksmith/client");

const SECONDS = Number(process.argv[2] ?? 8);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ISSUER = "https://locksmith.bench";
const KEY = JSON.parse(readFileSync(join(ROOT, "examples/keys/support-agent.jwk.json"), "utf8"));
const BODY = JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" });

async function main() {
  const name = `locksmith_bench_${randomBytes(4).toString("hex")}`;
  const prefix = `locksmith-bench:${randomBytes(4).toString("hex")}:`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  await migrate(dbUrl, join(ROOT, "prisma/migrations"));
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-"));
  const keysFile = join(dir, "keys.json");
  await writeKeysFile(keysFile, await generateKeys(["staging", "production"]));
  const sink = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}")));
  await new Promise((r) => sink.listen(0, "127.0.0.1", r));

  const base = {
    PATH: process.env.PATH,
    HOST: "127.0.0.1",
    REDIS_URL,
    DATABASE_URL: dbUrl,
    LOCKSMITH_POLICY: join(ROOT, "examples/policy.yaml"),
    LOCKSMITH_KEYS_FILE: keysFile,
    LOCKSMITH_ISSUER: ISSUER,
    LOCKSMITH_REDIS_PREFIX: prefix,
    LOG_LEVEL: "warn",
  };
  const modes = {
    off: { ...base, OTEL_SDK_DISABLED: "true", LOCKSMITH_METRICS: "off" },
    metrics: { ...base, OTEL_SDK_DISABLED: "true", LOCKSMITH_METRICS: "on" },
    local: { ...base, LOCKSMITH_METRICS: "on" },
    on: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`, LOCKSMITH_METRICS: "on" },
  };
  const results = { off: [], metrics: [], local: [], on: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? ["off", "metrics", "local", "on"] : ["on", "local", "metrics", "off"])
        results[mode].push(await measure(modes[mode]));
    }
  } finally {
    sink.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    for (let cursor = "0"; ; ) {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
    redis.disconnect();
  }
  const best = (mode) => results[mode].reduce((a, b) => (b.cpuPerRequest < a.cpuPerRequest ? b : a));
  const off = best("off");
  const on = best("on");
  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}; node ${process.version}; ${SECONDS}s × ${ROUNDS} rounds per mode, ${CONCURRENCY} concurrent, POST /v1/credentials`,
  );
  const local = best("local");
  const metrics = best("metrics");
  for (const [mode, r] of [
    ["off", off],
    ["metrics", metrics],
    ["local", local],
    ["on", on],
  ]) {
    console.log(
      `telemetry ${mode.padEnd(7)}: ${r.cpuPerRequest.toFixed(3)} CPU ms per issuance (= ${(1000 / r.cpuPerRequest).toFixed(0)} issuances/s per core)  ` +
        `observed ${r.rps.toFixed(0)}/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}  ` +
        `(CPU ms per round: ${results[mode].map((x) => x.cpuPerRequest.toFixed(3)).join(", ")})`,
    );
  }
  const overhead = (r) => `${(((r.cpuPerRequest - off.cpuPerRequest) / off.cpuPerRequest) * 100).toFixed(1)}%`;
  console.log(
    `overhead (CPU per issuance, best round of each mode): metrics only ${overhead(metrics)}; + spans (no export) ${overhead(local)}; + OTLP export of every span ${overhead(on)}`,
  );
}

async function measure(env) {
  const port = await new Promise((r) => {
    const s = require("node:net")
      .createServer()
      .listen(0, "127.0.0.1", () => {
        const p = s.address().port;
        s.close(() => r(p));
      });
  });
  const child = spawn(process.execPath, [join(ROOT, "dist/main.js")], { env: { ...env, PORT: String(port) }, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 200) throw new Error("locksmith did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  for (let i = 0; i < 300; i++) await post(url, agent, await assertion()); // warm-up
  const latencies = [];
  let errors = 0;
  const cpuBefore = cpuMs(child.pid);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const signed = await assertion();
        const t = performance.now();
        const status = await post(url, agent, signed);
        latencies.push(performance.now() - t);
        if (status !== 201) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuPerRequest = (cpuMs(child.pid) - cpuBefore) / latencies.length;
  agent.destroy();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    errors,
    cpuPerRequest,
  };
}

const assertion = () => signAssertion({ id: "support-agent", key: KEY, audience: ISSUER });

/** CPU time (user + system) the process has used, from /proc: robust to other load on the machine, unlike throughput. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

function post(url, agent, assertion) {
  return new Promise((resolvePost, reject) => {
    const req = http.request(
      `${url}/v1/credentials`,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${assertion}`, "content-type": "application/json", "content-length": Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume().on("end", () => resolvePost(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
