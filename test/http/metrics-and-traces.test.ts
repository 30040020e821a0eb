import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-node";
import express from "express";
import request from "supertest";
import { StoreUnavailableError } from "../../src/domain/errors";
import { metricsRoutes } from "../../src/http/routes/metrics.routes";
import { MeteredTokenStore } from "../../src/telemetry/metered-stores";
import { LocksmithMetrics } from "../../src/telemetry/metrics";
import { startTracing, type Tracing } from "../../src/telemetry/tracing";
import { LocksmithApi, requestIdOf } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";

// Telemetry: the Prometheus names and labels at GET /metrics, and the spans of a request, recorded
// by an in-memory exporter, with the request's log line carrying the same trace id.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  tracing = startTracing({ disabled: false, otlpTraces: false, otlpMetrics: false, serviceName: "locksmith-test" }, [new SimpleSpanProcessor(exporter)]);
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(async () => {
  await sut.close();
  await tracing.shutdown();
});

const line = (text: string, pattern: RegExp) => text.split("\n").find((l) => pattern.test(l));

test("GET /metrics counts issued, denied, redeemed and rejected credentials by environment and scope, revocations by outcome", async () => {
  const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
  await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
  await api.issue("support-agent", { scope: "crm:delete", resource: "crm:customers/42" });
  await api.redeem("crm-prod", { credential: issued.credential });
  await api.revoke("support-agent", issued.jti);
  await api.redeem("crm-prod", { credential: issued.credential });

  const res = await request(sut.locksmith.http).get("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  const text = res.text;
  expect(text).toContain("# TYPE locksmith_credentials_issued_total counter");
  expect(line(text, /^locksmith_credentials_issued_total\{environment="production",scope="crm:note"\} 1$/)).toBeDefined();
  expect(line(text, /^locksmith_credentials_issued_total\{environment="production",scope="crm:read"\} 1$/)).toBeDefined();
  // crm:delete is denied by the pattern *:delete: the bundle names no such scope, so its label is `other`.
  expect(line(text, /^locksmith_credentials_denied_total\{environment="production",scope="other",reason="explicit_deny"\} 1$/)).toBeDefined();
  expect(line(text, /^locksmith_credentials_redeemed_total\{environment="production",scope="crm:note"\} 1$/)).toBeDefined();
  expect(line(text, /^locksmith_credentials_redeem_rejected_total\{environment="production",scope="crm:note",reason="revoked"\} 1$/)).toBeDefined();
  expect(line(text, /^locksmith_credentials_revoked_total\{environment="production",outcome="revoked"\} 1$/)).toBeDefined();
  expect(line(text, /^locksmith_credentials_live\{environment="production"\} 2$/)).toBeDefined();
  // Six decisions, and the policy_loaded event every start records.
  expect(line(text, /^locksmith_audit_append_lag_seconds_count 7$/)).toBeDefined();
  expect(line(text, /^locksmith_http_request_duration_seconds_count\{method="POST",route="\/v1\/credentials",status="201"\} 2$/)).toBeDefined();
  expect(
    line(text, /^locksmith_http_request_duration_seconds_bucket\{method="DELETE",route="\/v1\/credentials\/:jti",status="204",le="0\.5"\} 1$/),
  ).toBeDefined();
  // Never a jti, a token or a caller's id in a label.
  expect(text).not.toContain(issued.jti);
  expect(text).not.toContain("support-agent");
});

test("a scope the bundle does not name is labelled other: callers cannot create series", async () => {
  for (let i = 0; i < 5; i++) await api.issue("support-agent", { scope: `made-up:scope-${i}`, resource: "crm:customers/42" });
  await api.issue("support-agent", { scope: "crm:read made-up:x", resource: "crm:customers/42" });

  const text = (await request(sut.locksmith.http).get("/metrics")).text;
  expect(text).not.toContain("made-up");
  expect(line(text, /^locksmith_credentials_denied_total\{environment="production",scope="other",reason="no_grant"\} 6$/)).toBeDefined();
});

test("GET /metrics has process gauges: CPU time, memory, event-loop delay", async () => {
  const text = (await request(sut.locksmith.http).get("/metrics")).text;
  expect(line(text, /^process_cpu_time\w*\{state="user"\} [\d.e+-]+$/)).toBeDefined();
  expect(line(text, /^process_memory_usage\w* [1-9][\d.e+]*$/)).toBeDefined();
  expect(line(text, /^process_heap_used\w* [1-9][\d.e+]*$/)).toBeDefined();
  expect(line(text, /^process_eventloop_delay_p99\w* [\d.e+-]+$/)).toBeDefined();
});

test("store failures are counted by store and operation", async () => {
  const metrics = LocksmithMetrics.create({ prometheus: true, otlp: false, clock: { now: () => Date.now() } });
  const failing = new MeteredTokenStore(
    {
      put: async () => {
        throw new StoreUnavailableError("Redis");
      },
      get: async () => undefined,
      spend: async () => ({ ok: false, reason: "unknown" }),
      revoke: async () => ({ outcome: "unknown" }),
      markAnnounced: async () => undefined,
      revokeSubject: async () => 0,
      lastRevocation: async () => undefined,
      remove: async () => undefined,
    },
    metrics,
  );
  await expect(failing.put("j", { agent: "a", scope: "s", resource: "r", usesLeft: null }, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);

  const text = (await request(express().use(metricsRoutes(metrics))).get("/metrics")).text;
  expect(line(text, /^locksmith_store_errors_total\{store="redis",operation="put"\} 1$/)).toBeDefined();
  await metrics.shutdown();
});

test("an issuance is one server span with decide, sign, store and record inside, and its log line names the trace", async () => {
  exporter.reset();
  const res = await api.issue("support-agent", { scope: "crm:read", resource: "crm:customers/7" });
  expect(res.status).toBe(201);

  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER && s.name === "POST /v1/credentials") as ReadableSpan;
  expect(server.attributes).toMatchObject({ "http.route": "/v1/credentials", "http.response.status_code": 201 });
  const traceId = server.spanContext().traceId;
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
  expect(inTrace.map((s) => s.name).sort()).toEqual(
    ["POST /v1/credentials", "locksmith.decide", "locksmith.record", "locksmith.sign", "locksmith.store"].sort(),
  );
  for (const span of inTrace.filter((s) => s !== server)) expect(span.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

  const logLine = sut.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.req_id === requestIdOf(res));
  expect(logLine.trace_id).toBe(traceId);
});

test("a caller's traceparent is continued", async () => {
  exporter.reset();
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  await request(sut.locksmith.http).get("/healthz").set("traceparent", `00-${traceId}-00f067aa0ba902b7-01`);

  const server = exporter.getFinishedSpans().find((s) => s.name === "GET /healthz")!;
  expect(server.spanContext().traceId).toBe(traceId);
  expect(server.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
});
