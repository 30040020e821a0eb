import canonicalize from "canonicalize";
import type { AuditEvent } from "./audit-event";
import { documentValue, EVENT_FIELD_LIST, EVENT_FIELDS } from "./event-fields";
import { leafHash, type Hash } from "./merkle";

/** Version of the leaf encoding; part of the hashed bytes so a later change cannot be confused with this one. */
export const LEAF_FORMAT = 1;

/**
 * The bytes a ledger leaf hashes: the event and its sequence number as RFC 8785
 * (JCS) canonical JSON, snake_case keys, absent fields left out. Time is inside
 * the hashed bytes (ISO 8601, milliseconds, UTC), so moving an event in time
 * changes its leaf. Anyone can recompute it from an exported line.
 *
 * @example canonicalEventBytes(1n, { type: "denied", decision: "deny", occurredAt: new Date(0) })
 * // → '{"decision":"deny","seq":1,"time":"1970-01-01T00:00:00.000Z","type":"denied","v":1}'
 */
export function canonicalEventBytes(seq: bigint, event: AuditEvent): Buffer {
  const text = canonicalize(eventDocument(seq, event));
  if (text === undefined) throw new Error("an audit event must be JSON");
  return Buffer.from(text, "utf8");
}

export function eventLeafHash(seq: bigint, event: AuditEvent): Hash {
  return leafHash(canonicalEventBytes(seq, event));
}

/** The public JSON shape of an event (API answers, NDJSON export, hashed bytes): `EVENT_FIELDS`, absent fields left out. */
export function eventDocument(seq: bigint, event: AuditEvent): Record<string, unknown> {
  const document: Record<string, unknown> = { v: LEAF_FORMAT, seq: Number(seq) };
  for (const field of EVENT_FIELD_LIST) {
    const value = documentValue(event, field);
    if (value !== undefined) document[EVENT_FIELDS[field]] = value;
  }
  return document;
}
