-- The tamper-evident ledger: Merkle leaves, signed checkpoints, query indexes,
-- and an application role that may only INSERT and SELECT.

-- Events: W3C trace id, and the RFC 6962 leaf hash of the event's canonical
-- bytes (a cache for proofs: `audit verify` recomputes it from the columns).
ALTER TABLE "audit_events" ADD COLUMN "trace_id" TEXT;
ALTER TABLE "audit_events" ADD COLUMN "leaf_hash" BYTEA;

-- Signed tree heads. `note` is the C2SP signed note; `frontier` holds the
-- roots of the perfect subtrees on the tree's right edge, so the next
-- checkpoint extends this one without rereading every leaf.
CREATE TABLE "audit_checkpoints" (
    "size" BIGINT NOT NULL,
    "root" BYTEA NOT NULL,
    "note" TEXT NOT NULL,
    "frontier" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("size")
);

-- Indexes for the auditors' filters: each is (filter, seq) so a filtered page
-- in seq order is an index range scan, also at 10 million events.
CREATE INDEX "audit_events_agent_seq_idx" ON "audit_events"("agent", "seq");
CREATE INDEX "audit_events_user_subject_seq_idx" ON "audit_events"("user_subject", "seq");
CREATE INDEX "audit_events_environment_seq_idx" ON "audit_events"("environment", "seq");
CREATE INDEX "audit_events_type_seq_idx" ON "audit_events"("type", "seq");
CREATE INDEX "audit_events_resource_seq_idx" ON "audit_events"("resource", "seq");
CREATE INDEX "audit_events_trace_id_idx" ON "audit_events"("trace_id");
CREATE INDEX "audit_events_scope_tokens_idx" ON "audit_events" USING GIN ((string_to_array("scope", ' ')));

-- Checkpoints are append-only like events, enforced the same way.
CREATE FUNCTION "ledger_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_checkpoints_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
ALTER TABLE "audit_checkpoints" ENABLE ALWAYS TRIGGER "audit_checkpoints_no_update_delete";
ALTER TABLE "audit_checkpoints" ENABLE ALWAYS TRIGGER "audit_checkpoints_no_truncate";

-- The role Locksmith's login role should be a member of: INSERT and SELECT
-- only, so even with the triggers gone it cannot rewrite history. Roles are
-- cluster-wide and several databases may be migrated at once, hence the guard.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'locksmith_app') THEN
    CREATE ROLE "locksmith_app" NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END;
$$;
REVOKE ALL ON "audit_events", "audit_checkpoints" FROM "locksmith_app";
GRANT SELECT, INSERT ON "audit_events", "audit_checkpoints" TO "locksmith_app";
