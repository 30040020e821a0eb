import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { StepTracer } from "../domain/steps";

const tracer = trace.getTracer("locksmith");

/**
 * Runs `work` inside a span named `locksmith.<step>`. With no OpenTelemetry
 * SDK registered this is a no-op tracer and costs next to nothing.
 */
export async function inSpan<T>(step: string, work: () => Promise<T> | T): Promise<T> {
  return tracer.startActiveSpan(`locksmith.${step}`, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The domain's steps (verify, decide, sign) as spans; store calls get theirs from the metered store decorators. */
export const spanSteps: StepTracer = { run: inSpan };
