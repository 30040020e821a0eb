/** The named steps of a use case that are not store calls (those are traced by the store decorators). */
export type StepName = "verify" | "decide" | "sign";

/**
 * Runs one named step of a use case, so that an operator can see where a
 * request spent its time. The domain owns this port; `telemetry/` implements
 * it with OpenTelemetry spans (`locksmith.<step>`), and unit tests use
 * `untracedSteps`. Steps never change what `work` returns or throws.
 *
 * @example
 * const decision = await services.steps.run("decide", () => decide(policy, agentPolicy, request));
 */
export interface StepTracer {
  run<T>(step: StepName, work: () => Promise<T> | T): Promise<T>;
}

/** Runs every step as is: for unit tests and tools that trace nothing. */
export const untracedSteps: StepTracer = { run: async (_step, work) => work() };
