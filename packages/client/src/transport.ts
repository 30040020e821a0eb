import { errorFromResponse, Unavailable } from "./errors";
import type { PrivateJwk } from "./sign-assertion";
import { signAssertion } from "./sign-assertion";

export interface TransportOptions {
  /** Locksmith's base URL. */
  readonly url: string;
  /** Locksmith's issuer URL, the `aud` of assertions; defaults to `url`. */
  readonly issuer?: string;
  /** The caller's principal id in the policy. */
  readonly id: string;
  readonly key: () => Promise<PrivateJwk>;
  /** Per attempt. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Extra attempts after a 503 or a network error; never after a 4xx. Default 2. */
  readonly retries?: number;
  /** First back-off; doubles each retry, with jitter. Default 200 ms. */
  readonly backoffMs?: number;
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/**
 * One authenticated call to Locksmith: a fresh assertion per attempt (each
 * `jti` is accepted once), a time-out per attempt, retries with exponential
 * back-off only when Locksmith is unavailable. A 2xx comes back as an Answer;
 * every other status is thrown as its typed error.
 */
export async function callLocksmith(options: TransportOptions, method: string, path: string, body?: object): Promise<Answer> {
  const retries = options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    let unavailable: Unavailable;
    const assertion = await signAssertion({ id: options.id, key: await options.key(), audience: options.issuer ?? options.url });
    try {
      const res = await fetch(new URL(path, options.url), {
        method,
        headers: { authorization: `Bearer ${assertion}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      const text = await res.text();
      const parsed = text ? (safeJson(text) as Record<string, unknown> | undefined) : undefined;
      if (res.ok) return { status: res.status, body: parsed };
      const error = errorFromResponse(res.status, parsed);
      if (!(error instanceof Unavailable)) throw error;
      unavailable = error;
    } catch (error) {
      if (!isNetworkFailure(error) && !(error instanceof Unavailable)) throw error;
      unavailable = error instanceof Unavailable ? error : new Unavailable(`cannot reach Locksmith at ${options.url} (${(error as Error).name})`);
    }
    if (attempt >= retries) throw unavailable;
    const backoff = (options.backoffMs ?? 200) * 2 ** attempt;
    await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * (backoff / 2)));
  }
}

/** fetch's own failures: refused connection, reset, DNS, or our time-out. */
// By name, not instanceof: fetch's errors may come from another realm (a test runner's sandbox, a bundler).
const isNetworkFailure = (error: unknown) => ["TypeError", "TimeoutError", "AbortError"].includes((error as Error)?.name);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
