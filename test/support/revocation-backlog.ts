import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readSse } from "../../packages/express/src/sse-events";
import type { LocksmithUnderTest } from "./locksmith-under-test";
import { TEST_ISSUER } from "./locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "./principals";

/**
 * What a resource server hears when it connects to GET /v1/revocations/stream
 * now: every revocation event of the retention window (its environment's), and
 * the data of the `ready` event that ends the backlog.
 */
export async function revocationBacklog(
  sut: LocksmithUnderTest,
  server: ExamplePrincipal = "crm-prod",
): Promise<{ events: Record<string, unknown>[]; ready: Record<string, unknown> }> {
  const listening: Server = sut.locksmith.http.listen(0, "127.0.0.1");
  await new Promise((resolve) => listening.once("listening", resolve));
  const abort = new AbortController();
  try {
    const res = await fetch(`http://127.0.0.1:${(listening.address() as AddressInfo).port}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${await assertionFor(server, TEST_ISSUER)}`, accept: "text/event-stream" },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`the stream answered ${res.status}`);
    const events: Record<string, unknown>[] = [];
    for await (const event of readSse(res.body)) {
      if (event.event === "revocation") events.push(JSON.parse(event.data) as Record<string, unknown>);
      if (event.event === "ready") return { events, ready: JSON.parse(event.data) as Record<string, unknown> };
    }
    throw new Error("the stream ended before ready");
  } finally {
    abort.abort();
    listening.closeAllConnections();
    await new Promise((resolve) => listening.close(resolve));
  }
}
