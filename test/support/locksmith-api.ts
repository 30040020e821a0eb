import { randomUUID } from "node:crypto";
import request, { type Response } from "supertest";
import type { StoredAuditEvent } from "../../src/domain/audit/audit-event";
import { TEST_ISSUER, type LocksmithUnderTest } from "./locksmith-under-test";
import { assertionFor, type ExamplePrincipal } from "./principals";
import { findEvents, type EventQuery } from "./find-events";

export type { Response };

/** The 201 body of POST /v1/credentials. */
export interface IssuedBody {
  credential: string;
  token_type: string;
  jti: string;
  scope: string;
  resource: string;
  audience: string;
  expires_at: string;
  expires_in: number;
  max_uses?: number;
}

/**
 * The v1 calls as a principal of the example policy makes them: a fresh
 * assertion and a fresh `X-Request-Id` per call (the ledger row of a call is
 * found by it). Every assertion and credential that passes through is kept in
 * `secrets`, so a test can prove none of them leaked.
 */
export class LocksmithApi {
  readonly secrets: string[] = [];

  constructor(private readonly sut: LocksmithUnderTest) {}

  get app() {
    return this.sut.locksmith.http;
  }

  async issue(agent: ExamplePrincipal, body: object): Promise<Response> {
    const res = await request(this.app)
      .post("/v1/credentials")
      .set(await this.headers(agent))
      .send(body);
    if (typeof res.body?.credential === "string") this.secrets.push(res.body.credential);
    return res;
  }

  /** Issues and insists on 201. */
  async issued(agent: ExamplePrincipal, body: object): Promise<IssuedBody> {
    const res = await this.issue(agent, body);
    if (res.status !== 201) throw new Error(`expected 201 for ${JSON.stringify(body)}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as IssuedBody;
  }

  async redeem(server: ExamplePrincipal, body: object): Promise<Response> {
    return request(this.app)
      .post("/v1/credentials/redeem")
      .set(await this.headers(server))
      .send(body);
  }

  async revoke(caller: ExamplePrincipal, jti: string): Promise<Response> {
    return request(this.app)
      .delete(`/v1/credentials/${encodeURIComponent(jti)}`)
      .set(await this.headers(caller));
  }

  /** Headers for one call: `Authorization: Bearer <fresh assertion>` and a fresh request id. */
  async headers(caller: ExamplePrincipal): Promise<Record<string, string>> {
    const assertion = await assertionFor(caller, TEST_ISSUER);
    this.secrets.push(assertion);
    return { authorization: `Bearer ${assertion}`, "x-request-id": `test-${randomUUID()}` };
  }

  /** Ledger rows matching `query` (and the request id, when given), oldest first. */
  async ledger(query: EventQuery & { requestId?: string }): Promise<StoredAuditEvent[]> {
    const { requestId, ...find } = query;
    const rows = await findEvents(this.sut.locksmith.ledger, find);
    return requestId === undefined ? rows : rows.filter((row) => row.requestId === requestId);
  }

  /** The one ledger row a call left. */
  async rowOf(res: Response, query: EventQuery = {}): Promise<StoredAuditEvent> {
    const rows = await this.ledger({ ...query, requestId: requestIdOf(res) });
    expect(rows).toHaveLength(1);
    return rows[0];
  }
}

export const requestIdOf = (res: Response): string => String(res.headers["x-request-id"]);

const ERROR_FIELDS = new Set(["error", "error_description", "reason", "rule"]);

/**
 * The contract's error shape: JSON `{error, error_description}` (plus `reason`
 * and `rule` on denials), nothing else, and nothing that looks like a stack.
 */
export function expectError(res: Response, status: number, code: string, extra: Record<string, unknown> = {}): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error: code } });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(typeof res.body.error_description).toBe("string");
  expect(res.body.error_description.length).toBeGreaterThan(0);
  for (const field of Object.keys(res.body)) expect(ERROR_FIELDS).toContain(field);
  expect(res.body).toMatchObject(extra);
  expect(res.text).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|stack/i);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
