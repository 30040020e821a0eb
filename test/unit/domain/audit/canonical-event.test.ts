import type { AuditEvent } from "../../../../src/domain/audit/audit-event";
import { canonicalEventBytes, eventDocument, eventLeafHash } from "../../../../src/domain/audit/canonical-event";

/**
 * Golden values: the canonical bytes and leaf hashes below were computed by the
 * code that wrote the existing ledgers (before the ledger schema became one
 * column map). A change here breaks every exported ledger's proofs: it is a new
 * LEAF_FORMAT, never a refactoring.
 */
const full: AuditEvent = {
  type: "redeemed",
  decision: "allow",
  occurredAt: new Date("2026-11-21T10:15:30.456Z"),
  environment: "production",
  agent: "support-agent",
  user: "alice@example.com",
  actor: "crm-prod",
  scope: "crm:read crm:note",
  resource: "crm:customers/42",
  audience: "https://crm.example.com",
  jti: "7f1c2a9e-3b4d-4e5f-8a6b-0c1d2e3f4a5b",
  reason: "customer asked for a refund",
  rule: "roles.customer-service-tier-1.grants[0]",
  policyVersion: "sha256:0123456789abcdef",
  requestId: "req-1",
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  clientIp: "203.0.113.7",
  detail: { ttl: 300, max_uses: null, delegated: true, note: "ünïcode ✓", é: 1.5, a: -0 },
};
const FULL_BYTES =
  '{"actor":"crm-prod","agent":"support-agent","audience":"https://crm.example.com","client_ip":"203.0.113.7","decision":"allow",' +
  '"detail":{"a":0,"delegated":true,"max_uses":null,"note":"ünïcode ✓","ttl":300,"é":1.5},"environment":"production",' +
  '"jti":"7f1c2a9e-3b4d-4e5f-8a6b-0c1d2e3f4a5b","policy_version":"sha256:0123456789abcdef","reason":"customer asked for a refund",' +
  '"request_id":"req-1","resource":"crm:customers/42","rule":"roles.customer-service-tier-1.grants[0]","scope":"crm:read crm:note",' +
  '"seq":42,"time":"2026-11-21T10:15:30.456Z","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","type":"redeemed","user":"alice@example.com","v":1}';
const FULL_LEAF = "10f0f3bcfc52aeebcf688b37303e6bf4b14552c7fc64ccd48c60584893c52ea6";

const minimal: AuditEvent = { type: "denied", decision: "deny", occurredAt: new Date(0) };
const MINIMAL_BYTES = '{"decision":"deny","seq":1,"time":"1970-01-01T00:00:00.000Z","type":"denied","v":1}';
const MINIMAL_LEAF = "c3aa45e91fd4f54bcfd2bdff3b8138c6ce2024f9ffdcec296ce59707d1f3bc18";

describe("the canonical (hashed) form of a ledger event", () => {
  test("an event with every field keeps the bytes and leaf hash existing ledgers were written with", () => {
    expect(canonicalEventBytes(42n, full).toString("utf8")).toBe(FULL_BYTES);
    expect(eventLeafHash(42n, full).toString("hex")).toBe(FULL_LEAF);
  });

  test("a minimal event leaves absent fields out and keeps its leaf hash", () => {
    expect(canonicalEventBytes(1n, minimal).toString("utf8")).toBe(MINIMAL_BYTES);
    expect(eventLeafHash(1n, minimal).toString("hex")).toBe(MINIMAL_LEAF);
  });

  test("the public document names every field in snake_case, in the order API answers have always listed them", () => {
    expect(Object.keys(eventDocument(42n, full))).toEqual([
      "v",
      "seq",
      "time",
      "type",
      "decision",
      "environment",
      "agent",
      "user",
      "actor",
      "scope",
      "resource",
      "audience",
      "jti",
      "reason",
      "rule",
      "policy_version",
      "request_id",
      "trace_id",
      "client_ip",
      "detail",
    ]);
  });
});
