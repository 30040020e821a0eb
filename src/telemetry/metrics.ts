import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from "@opentelemetry/sdk-metrics";
import type { AuditEvent } from "../domain/audit/audit-event";
import type { Clock } from "../domain/clock";

/** Ledger event types counted as `locksmith_credentials_<type>_total{environment, scope[, reason]}` (revoked: `{environment, outcome}`). */
const COUNTED = ["issued", "denied", "redeemed", "redeem_rejected", "revoked"] as const;
type Counted = (typeof COUNTED)[number];

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Locksmith's metrics, one set per instance (its own MeterProvider), exposed
 * for Prometheus at GET /metrics and, when OTLP is configured, pushed through
 * OpenTelemetry. Labels are bounded by the policy (environment, scope, rule
 * reasons, route templates): never a jti, an agent id of a caller, or a token.
 */
export class LocksmithMetrics {
  private readonly counters: Record<Counted, Counter>;
  private readonly requestDuration: Histogram;
  private readonly appendLag: Histogram;
  private readonly storeErrors: Counter;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  /** expiry second → credentials issued here expiring then, per environment. */
  private readonly live = new Map<string, Map<number, number>>();

  private constructor(
    private readonly provider: MeterProvider,
    private readonly prometheus: PrometheusExporter | undefined,
    private readonly clock: Clock,
    private readonly isNamedScope: (scope: string) => boolean,
  ) {
    const meter: Meter = provider.getMeter("locksmith");
    this.counters = Object.fromEntries(
      COUNTED.map((type) => [
        type,
        meter.createCounter(`locksmith.credentials.${type}`, {
          description: `credentials ${type.replace("_", " ")}, by environment and ${type === "revoked" ? "outcome" : "scope"}`,
        }),
      ]),
    ) as Record<Counted, Counter>;
    this.requestDuration = meter.createHistogram("locksmith.http.request.duration.seconds", {
      unit: "s",
      description: "time to answer an HTTP request, by method, route and status",
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.appendLag = meter.createHistogram("locksmith.audit.append.lag.seconds", {
      unit: "s",
      description: "time from asking the ledger to append an event until it is durable (group commit included)",
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.storeErrors = meter.createCounter("locksmith.store.errors", { description: "store operations that failed (each a 503), by store and operation" });
    meter
      .createObservableGauge("locksmith.credentials.live", {
        description: "credentials issued by this replica that have not expired yet, by environment (sum over replicas)",
      })
      .addCallback((result) => {
        for (const [environment, count] of this.liveCounts()) result.observe(count, { environment });
      });
    this.observeProcess(meter);
  }

  /** A small set of process gauges (CPU, memory, event-loop delay): enough to see a replica starve without a host agent. */
  private observeProcess(meter: Meter): void {
    this.loopDelay.enable();
    meter
      .createObservableCounter("process.cpu.time", { unit: "s", description: "CPU time used by this process, by state (user, system)" })
      .addCallback((result) => {
        const usage = process.cpuUsage();
        result.observe(usage.user / 1e6, { state: "user" });
        result.observe(usage.system / 1e6, { state: "system" });
      });
    meter
      .createObservableGauge("process.memory.usage", { unit: "By", description: "resident set size of this process" })
      .addCallback((result) => result.observe(process.memoryUsage.rss()));
    meter
      .createObservableGauge("process.heap.used", { unit: "By", description: "V8 heap in use" })
      .addCallback((result) => result.observe(process.memoryUsage().heapUsed));
    meter
      .createObservableGauge("process.eventloop.delay.p99", { unit: "s", description: "99th percentile of event-loop delay since the last collection" })
      .addCallback((result) => {
        result.observe(this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e9 : 0);
        this.loopDelay.reset();
      });
  }

  /**
   * `prometheus: false` leaves /metrics out (LOCKSMITH_METRICS=off); `otlp` pushes through OTLP/HTTP every 60 s (OTEL_METRIC_EXPORT_INTERVAL).
   * `isNamedScope` says whether the bundle in force names a scope: any other is labelled `other`, so no caller can create series.
   */
  static create(options: {
    prometheus: boolean;
    otlp: boolean;
    serviceName?: string;
    clock: Clock;
    isNamedScope?: (scope: string) => boolean;
  }): LocksmithMetrics {
    const prometheus = options.prometheus ? new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true }) : undefined;
    const readers: IMetricReader[] = [...(prometheus ? [prometheus] : [])];
    if (options.otlp) readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() }));
    const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": options.serviceName ?? "locksmith" }), readers });
    return new LocksmithMetrics(provider, prometheus, options.clock, options.isNamedScope ?? (() => false));
  }

  /** Counts a ledger event once it is durable. */
  recorded(event: AuditEvent): void {
    if (!(COUNTED as readonly string[]).includes(event.type)) return;
    const attributes: Attributes = { environment: event.environment ?? "unknown" };
    // A revocation names a jti, not a scope: it is counted by outcome (revoked, already_revoked, unknown, not_holder).
    if (event.type === "revoked") attributes.outcome = event.reason ?? "revoked";
    else attributes.scope = this.scopeLabel(event.scope);
    if (event.type === "denied" || event.type === "redeem_rejected") attributes.reason = event.reason ?? "unknown";
    this.counters[event.type as Counted].add(1, attributes);
    const ttl = event.detail?.ttl;
    if (event.type === "issued" && typeof ttl === "number") this.trackLive(event.environment ?? "unknown", Math.ceil(event.occurredAt.getTime() / 1000) + ttl);
  }

  auditAppended(seconds: number): void {
    this.appendLag.record(seconds);
  }

  storeError(store: "redis" | "postgres", operation: string): void {
    this.storeErrors.add(1, { store, operation });
  }

  request(seconds: number, attributes: { method: string; route: string; status: number }): void {
    this.requestDuration.record(seconds, attributes);
  }

  /** Serves the Prometheus text format (GET /metrics). */
  serve(req: IncomingMessage, res: ServerResponse): void {
    if (!this.prometheus) throw new Error("metrics are off");
    this.prometheus.getMetricsRequestHandler(req, res);
  }

  shutdown(): Promise<void> {
    this.loopDelay.disable();
    return this.provider.shutdown();
  }

  /** The scope as a label: one the bundle names (or several, each named), else `other`. */
  private scopeLabel(scope: string | undefined): string {
    if (scope === undefined) return "unknown";
    return scope.split(" ").every((one) => this.isNamedScope(one)) ? scope : "other";
  }

  private trackLive(environment: string, expiresAtSecond: number): void {
    const buckets = this.live.get(environment) ?? new Map<number, number>();
    buckets.set(expiresAtSecond, (buckets.get(expiresAtSecond) ?? 0) + 1);
    this.live.set(environment, buckets);
  }

  private liveCounts(): Array<[string, number]> {
    const now = this.clock.now() / 1000;
    return [...this.live].map(([environment, buckets]) => {
      let count = 0;
      for (const [second, n] of buckets) {
        if (second <= now) buckets.delete(second);
        else count += n;
      }
      return [environment, count];
    });
  }
}
