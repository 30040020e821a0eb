import { Router, type Response } from "express";
import { z } from "zod";
import { AUDIT_DECISIONS, AUDIT_EVENT_TYPES } from "../../domain/audit/audit-event";
import { eventDocument } from "../../domain/audit/canonical-event";
import type { EventFilter, LedgerReader } from "../../domain/audit/ledger-reader";
import { proveConsistency, proveInclusion, type InclusionAnswer } from "../../domain/audit/ledger-proofs";
import { traceCredential } from "../../domain/audit/trace-credential";
import { LocksmithError } from "../../domain/errors";
import { authenticateClient, type ClientAuthDeps } from "../middleware/authenticate-client";
import { ledgerText, parseBody } from "../validation";

const text = ledgerText(512).min(1);
export const seqParam = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, "must be a positive integer")
  .transform(Number);
const size = z
  .string()
  .regex(/^\d{1,16}$/, "must be a whole number")
  .transform(Number);
const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** The auditors' filter (AND of every field given), as the API and the console's ledger page parse it. */
export const filterQuery = z
  .object({
    from: time.optional(),
    to: time.optional(),
    agent: text.optional(),
    user: text.optional(),
    environment: text.optional(),
    scope: text.optional(),
    resource: text.optional(),
    jti: text.optional(),
    type: z.enum(AUDIT_EVENT_TYPES).optional(),
    decision: z.enum(AUDIT_DECISIONS).optional(),
  })
  .strict();

export const listQuery = filterQuery.extend({
  /** Opaque: the `next_cursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, "is not a cursor from a previous page")
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .pipe(z.number().min(1).max(1000))
    .optional(),
});

export const exportQuery = filterQuery.extend({ after_seq: size.optional(), until_seq: size.optional() });
export const proofQuery = z.object({ size: size.optional() }).strict();
export const consistencyQuery = z.object({ from: size, to: size }).strict();
export const jtiParam = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, "is not a credential id");

/**
 * The audit API for security teams (auditor principals only; agents, resource
 * servers and admins get 403): query with filters and cursor pagination, one
 * event, inclusion and consistency proofs, NDJSON export, and a credential's trace.
 */
export function auditRoutes(ledger: LedgerReader, auth: ClientAuthDeps): Router {
  const router = Router();
  router.use("/v1/audit", authenticateClient(auth, "auditor"));

  router.get("/v1/audit/events", async (req, res) => {
    const { cursor, limit = 100, ...filter } = parseBody(listQuery, req.query);
    const events = await ledger.page(filter as EventFilter, BigInt(cursor ?? 0), limit);
    const next = events.length === limit ? String(events[events.length - 1].seq) : null;
    res.json({ events: events.map((e) => eventDocument(e.seq, e)), next_cursor: next });
  });

  router.get("/v1/audit/events/:seq", async (req, res) => {
    const seq = parseBody(seqParam, req.params.seq);
    const event = await ledger.get(BigInt(seq));
    if (!event) throw new LocksmithError("not_found", `no event with seq ${seq}`);
    res.json(eventDocument(event.seq, event));
  });

  router.get("/v1/audit/events/:seq/proof", async (req, res) => {
    const seq = parseBody(seqParam, req.params.seq);
    const { size: treeSize } = parseBody(proofQuery, req.query);
    res.json(inclusionDocument(await proveInclusion(ledger, seq, treeSize)));
  });

  router.get("/v1/audit/consistency", async (req, res) => {
    const { from, to } = parseBody(consistencyQuery, req.query);
    const proof = await proveConsistency(ledger, from, to);
    res.json({
      first: proof.from,
      second: proof.to,
      first_root: b64(proof.fromRoot),
      second_root: b64(proof.toRoot),
      consistency: proof.proof.map(b64),
      checkpoints: proof.checkpoints.map((c) => c.note),
    });
  });

  router.get("/v1/audit/checkpoint", async (_req, res) => {
    const checkpoint = await ledger.checkpoint();
    if (!checkpoint) throw new LocksmithError("not_found", "no checkpoint has been signed yet");
    res.json({ size: checkpoint.size, root_hash: b64(checkpoint.root), checkpoint: checkpoint.note });
  });

  router.get("/v1/audit/export", async (req, res) => {
    const { after_seq = 0, until_seq, ...filter } = parseBody(exportQuery, req.query);
    await streamNdjson(res, ledger, filter as EventFilter, BigInt(after_seq), until_seq === undefined ? undefined : BigInt(until_seq));
  });

  router.get("/v1/audit/trace/:jti", async (req, res) => {
    const jti = parseBody(jtiParam, req.params.jti);
    const trace = await traceCredential(ledger, jti, new Date(auth.clock.now()));
    if (!trace) throw new LocksmithError("not_found", `no event names credential ${jti}`);
    res.json(trace);
  });

  return router;
}

/**
 * One canonical event per line, page by page, waiting for the client to drain
 * each write: memory stays one page however long the range. Each line is the
 * exact JSON whose RFC 8785 form is hashed into the event's leaf.
 */
export async function streamNdjson(res: Response, ledger: LedgerReader, filter: EventFilter, after: bigint, until?: bigint): Promise<void> {
  res.status(200).type("application/x-ndjson");
  let cursor = after;
  try {
    for (;;) {
      const page = (await ledger.page(filter, cursor, 1000)).filter((e) => until === undefined || e.seq <= until);
      if (page.length === 0) break;
      const chunk = page.map((e) => `${JSON.stringify(eventDocument(e.seq, e))}\n`).join("");
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
      cursor = page[page.length - 1].seq;
      if (page.length < 1000 || res.destroyed) break;
    }
  } catch (error) {
    // Once lines are out, a status can no longer say it failed: cut the stream so the export is visibly incomplete.
    if (!res.headersSent) throw error;
    res.destroy();
    return;
  }
  res.end();
}

/** The JSON of an inclusion proof (API and console): verify with any RFC 6962/9162 verifier against the checkpoint's root. */
export function inclusionDocument(proof: InclusionAnswer) {
  return {
    seq: proof.seq,
    leaf_index: proof.leafIndex,
    tree_size: proof.treeSize,
    leaf_hash: b64(proof.leafHash),
    audit_path: proof.auditPath.map(b64),
    root_hash: b64(proof.checkpoint.root),
    checkpoint: proof.checkpoint.note,
  };
}

const b64 = (hash: Buffer) => hash.toString("base64");
