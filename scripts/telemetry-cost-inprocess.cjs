#!/usr/bin/env node
/*
 * The CPU cost of telemetry per issuance, isolated from the stores: Locksmith's HTTP app on memory
 * stores (no Redis, no PostgreSQL round trips), driven over loopback HTTP in this process. Each
 * mode runs in its own child process (the tracer provider is process-wide); modes alternate for
 * ROUNDS rounds and the median CPU time per request is reported. Usage:
 *   npm run build && node scripts/telemetry-cost-inprocess.cjs [requests-per-round]
 */
const { execFileSync } = require("node:child_process");
const { join, resolve } = require("node:path");

const ROOT = resolve(__dirname, "..");
const REQUESTS = Number(process.argv[2] ?? 3000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

if (process.env.TELEMETRY_MODE) {
  child(process.env.TELEMETRY_MODE).then(
    (us) => process.stdout.write(String(us)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  const modes = (process.env.MODES ?? "off,metrics,sampled-out,spans,otlp").split(",");
  const results = Object.fromEntries(modes.map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? [...modes].reverse() : modes) {
      results[mode].push(Number(execFileSync(process.execPath, [__filename, String(REQUESTS)], { env: { ...process.env, TELEMETRY_MODE: mode } })));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const off = median(results.off);
  console.log(`${REQUESTS} issuances × ${ROUNDS} rounds per mode, memory stores, CPU µs per issuance (median):`);
  for (const mode of modes) {
    const m = median(results[mode]);
    console.log(
      `  ${mode.padEnd(8)} ${m.toFixed(0).padStart(5)} µs  (+${(m - off).toFixed(0)} µs)   rounds: ${results[mode].map((x) => x.toFixed(0)).join(", ")}`,
    );
  }
}

async function child(mode) {
  const http = require("node:http");
  const { readFileSync } = require("node:fs");
  const { loadPolicyFile } = require(join(ROOT, "dist/domain/policy/load-policy.js"));
  const { fixedPolicy } = require(join(ROOT, "dist/domain/policy/policy-source.js"));
  const { KeyRing } = require(join(ROOT, "dist/domain/keys/key-ring.js"));
  const { generateKeys, importKeys } = require(join(ROOT, "dist/stores/keys/keys-file.js"));
  const { plainProtector } = require(join(ROOT, "dist/stores/keys/key-protector.js"));
  const { MemoryTokenStore } = require(join(ROOT, "dist/stores/memory/memory-token-store.js"));
  const { MemoryReplayGuard } = require(join(ROOT, "dist/stores/memory/memory-replay-guard.js"));
  const { MemoryAuditLog } = require(join(ROOT, "dist/stores/memory/memory-audit-log.js"));
  const { createHttpApp } = require(join(ROOT, "dist/http/create-http-app.js"));
  const { createLogger } = require(join(ROOT, "dist/telemetry/logger.js"));
  const { LocksmithMetrics } = require(join(ROOT, "dist/telemetry/metrics.js"));
  const { MeteredAuditLog, MeteredTokenStore, MeteredReplayGuard } = require(join(ROOT, "dist/telemetry/metered-stores.js"));
  const { startTracing } = require(join(ROOT, "dist/telemetry/tracing.js"));
  const { signAssertion } = require("@locksmith/client");

  let sink;
  if (mode === "otlp") {
    sink = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}")));
    await new Promise((r) => sink.listen(0, "127.0.0.1", r));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${sink.address().port}`;
  }
  if (mode === "sampled-out") process.env.OTEL_TRACES_SAMPLER = "always_off";
  if (mode === "spans" || mode === "otlp" || mode === "sampled-out")
    startTracing({ disabled: false, otlpTraces: mode === "otlp", otlpMetrics: false, serviceName: "bench" });
  const clock = { now: () => Date.now() };
  const policy = await loadPolicyFile(join(ROOT, "examples/policy.yaml"));
  const keys = new KeyRing(await importKeys(await generateKeys(policy.environments), plainProtector));
  const metrics = mode === "off" || mode === "sampled-out" ? undefined : LocksmithMetrics.create({ prometheus: true, otlp: false, clock });
  const wrap = (store, Metered) => (metrics ? new Metered(store, metrics) : store);
  const audit = wrap(new MemoryAuditLog(), MeteredAuditLog);
  const services = { issuer: "https://bench", policy: fixedPolicy(policy), keys, tokens: wrap(new MemoryTokenStore(clock), MeteredTokenStore), audit, clock };
  const app = createHttpApp({
    services,
    replay: wrap(new MemoryReplayGuard(clock), MeteredReplayGuard),
    logger: createLogger("info", { write() {} }),
    readiness: {},
    metrics,
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const url = `http://127.0.0.1:${server.address().port}/v1/credentials`;
  const key = JSON.parse(readFileSync(join(ROOT, "examples/keys/support-agent.jwk.json"), "utf8"));
  const assertions = await Promise.all(Array.from({ length: REQUESTS + 500 }, () => signAssertion({ id: "support-agent", key, audience: "https://bench" })));
  const body = JSON.stringify({ scope: "crm:read", resource: "crm:customers/42" });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const post = (assertion) =>
    new Promise((done, fail) => {
      const req = http.request(url, { method: "POST", agent, headers: { authorization: `Bearer ${assertion}`, "content-type": "application/json" } }, (res) =>
        res.resume().on("end", () => (res.statusCode === 201 ? done() : fail(new Error(String(res.statusCode))))),
      );
      req.on("error", fail);
      req.end(body);
    });
  const drive = async (list) =>
    Promise.all(
      Array.from({ length: 16 }, async () => {
        while (list.length) await post(list.pop());
      }),
    );
  await drive(assertions.splice(0, 500)); // warm-up
  const before = process.cpuUsage();
  await drive(assertions);
  const used = process.cpuUsage(before);
  server.close();
  agent.destroy();
  sink?.close();
  // Client and server share this process, so this is both sides' CPU; the difference between modes is the telemetry.
  return (used.user + used.system) / REQUESTS;
}
