-- The audit ledger: one append-only table of decisions.

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "environment" TEXT,
    "agent" TEXT,
    "user_subject" TEXT,
    "actor" TEXT,
    "scope" TEXT,
    "resource" TEXT,
    "audience" TEXT,
    "jti" TEXT,
    "reason" TEXT,
    "rule" TEXT,
    "policy_version" TEXT,
    "request_id" TEXT,
    "client_ip" TEXT,
    "detail" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "audit_events_jti_idx" ON "audit_events"("jti");

-- CreateIndex
CREATE INDEX "audit_events_agent_occurred_at_idx" ON "audit_events"("agent", "occurred_at");

-- CreateIndex
CREATE INDEX "audit_events_occurred_at_idx" ON "audit_events"("occurred_at");

-- Append-only, enforced by the database and not only by our code: any UPDATE,
-- DELETE or TRUNCATE raises. ENABLE ALWAYS makes the triggers fire even with
-- session_replication_role = replica, the usual way to slip past triggers.
CREATE FUNCTION "audit_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_refuse_change"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_refuse_change"();
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_no_update_delete";
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_no_truncate";
