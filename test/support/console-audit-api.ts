import { assertionFor } from "./principals";

/** One event as the audit API documents it (snake_case fields). */
export type AuditDocument = Record<string, unknown> & { seq: string | number; type: string; time: string };

/**
 * Every ledger event matching `filter`, read through the audit API as the example auditor principal
 * (GET /v1/audit/events, paged to the end): what the console's pages are compared with.
 */
export async function auditEvents(locksmithUrl: string, filter: Record<string, string> = {}): Promise<AuditDocument[]> {
  const events: AuditDocument[] = [];
  let cursor: string | null = "0";
  while (cursor !== null) {
    const url = new URL("/v1/audit/events", locksmithUrl);
    for (const [name, value] of Object.entries({ ...filter, cursor, limit: "500" })) url.searchParams.set(name, value);
    const res = await fetch(url, { headers: { authorization: `Bearer ${await assertionFor("security-auditor", locksmithUrl)}` } });
    if (res.status !== 200) throw new Error(`audit API answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { events: AuditDocument[]; next_cursor: string | null };
    events.push(...page.events);
    cursor = page.next_cursor;
  }
  return events;
}
