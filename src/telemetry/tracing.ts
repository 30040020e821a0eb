import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-node";

/**
 * Which OpenTelemetry exports are on, from the standard `OTEL_*` variables.
 * OTLP is opt-in: on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or the per-signal `…_TRACES_ENDPOINT` / `…_METRICS_ENDPOINT`), unless the
 * signal's exporter is `none`; `OTEL_SDK_DISABLED=true` turns the SDK off.
 */
export interface OtelSettings {
  readonly disabled: boolean;
  readonly otlpTraces: boolean;
  readonly otlpMetrics: boolean;
  readonly serviceName: string;
}

export function otelSettings(env: NodeJS.ProcessEnv): OtelSettings {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
  const endpoint = (signal: "TRACES" | "METRICS") => Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]);
  const exporter = (signal: "TRACES" | "METRICS") => (env[`OTEL_${signal}_EXPORTER`] ?? "otlp").split(",").map((name) => name.trim());
  return {
    disabled,
    otlpTraces: !disabled && endpoint("TRACES") && exporter("TRACES").includes("otlp"),
    otlpMetrics: !disabled && endpoint("METRICS") && exporter("METRICS").includes("otlp"),
    serviceName: env.OTEL_SERVICE_NAME ?? "locksmith",
  };
}

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers the process-wide tracer provider when spans have somewhere to go
 * (OTLP configured, or `extra` processors such as a test's in-memory
 * exporter), so every request and step span (`inSpan`) is recorded with a real
 * trace id that the logs carry. Export is batched, off the request path.
 */
export function startTracing(settings: OtelSettings, extra: SpanProcessor[] = []): Tracing {
  const spanProcessors = settings.disabled ? [] : [...(settings.otlpTraces ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []), ...extra];
  // Spans that go nowhere are not worth their cost on every request (the SDK's context tracking hooks every
  // promise): with no exporter the API stays a no-op, and log lines carry the caller's traceparent instead.
  if (spanProcessors.length === 0) return { shutdown: async () => undefined };
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": settings.serviceName }), spanProcessors });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
