#!/bin/sh
# Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d). The owner
# (POSTGRES_USER) runs the migrations; Locksmith logs in as `locksmith_service`, a member of
# `locksmith_app` (INSERT and SELECT on the ledger, nothing else: the migrations grant it).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE locksmith_app NOLOGIN;
CREATE ROLE locksmith_service LOGIN PASSWORD '${LOCKSMITH_SERVICE_DB_PASSWORD}' IN ROLE locksmith_app;
SQL
