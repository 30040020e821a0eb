-- Token B: upstream secrets sealed at rest, and the dynamic database roles
-- Locksmith created on upstream PostgreSQL servers (so a reaper can drop them).

-- One upstream secret (an API key, a database admin URL, a refresh token),
-- envelope-encrypted: `ciphertext` is AES-256-GCM under a data key of its own,
-- and `wrapped_key` is that data key sealed by the key encryption key (KEK).
-- Both carry associated data binding the row's id, owner and upstream, so a
-- ciphertext copied to another row does not open. Never a plaintext value.
CREATE TABLE "upstream_secrets" (
    "id" UUID NOT NULL,
    "upstream" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "wrapped_key" JSONB NOT NULL,
    "iv" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "upstream_secrets_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "upstream_secrets_upstream_owner_key" ON "upstream_secrets"("upstream", "owner");

-- A login role created on an upstream PostgreSQL for one credential. The row
-- is written before the role is created, so a crash between the two leaves a
-- row the reaper finds; `dropped_at` is set once the role is gone.
CREATE TABLE "upstream_db_roles" (
    "role_name" TEXT NOT NULL,
    "upstream" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "agent" TEXT NOT NULL,
    "user_subject" TEXT,
    "environment" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "dropped_at" TIMESTAMPTZ(3),

    CONSTRAINT "upstream_db_roles_pkey" PRIMARY KEY ("role_name")
);
CREATE INDEX "upstream_db_roles_jti_idx" ON "upstream_db_roles"("jti");
CREATE INDEX "upstream_db_roles_live_expires_idx" ON "upstream_db_roles"("expires_at") WHERE "dropped_at" IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON "upstream_secrets", "upstream_db_roles" TO "locksmith_app";
