-- Roots of perfect Merkle subtrees (every 4th level), written as checkpoints are
-- signed, so inclusion and consistency proofs read O(log n) rows instead of every
-- leaf hash. A cache of what the leaves already say: `audit verify` recomputes the
-- tree from the events, and a wrong row only yields a proof that fails to verify
-- against the signed root. Append-only, like the rest of the ledger.
CREATE TABLE "audit_subtrees" (
    "level" SMALLINT NOT NULL,
    "index" BIGINT NOT NULL,
    "root" BYTEA NOT NULL,

    CONSTRAINT "audit_subtrees_pkey" PRIMARY KEY ("level", "index")
);

CREATE TRIGGER "audit_subtrees_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_subtrees"
  FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "audit_subtrees_no_truncate" BEFORE TRUNCATE ON "audit_subtrees"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
ALTER TABLE "audit_subtrees" ENABLE ALWAYS TRIGGER "audit_subtrees_no_update_delete";
ALTER TABLE "audit_subtrees" ENABLE ALWAYS TRIGGER "audit_subtrees_no_truncate";

REVOKE ALL ON "audit_subtrees" FROM "locksmith_app";
GRANT SELECT, INSERT ON "audit_subtrees" TO "locksmith_app";
