#!/bin/sh
# One-shot, before the Temporal server starts (docker-compose.yml `temporal-schema`, temporalio/admin-tools):
# creates Temporal's two databases if they are missing and brings their schemas to this admin-tools version.
# Safe to run on every `docker compose up`: creating an existing database is a no-op, and update-schema only
# applies the versions not applied yet. This is how Temporal's own compose files set up PostgreSQL
# (temporalio/samples-server compose/scripts/setup-postgres.sh).
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD (the PostgreSQL password) is required}"
PORT="${DB_PORT:-5432}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "Waiting for PostgreSQL at ${POSTGRES_SEEDS}:${PORT}..."
until nc -z -w 5 "${POSTGRES_SEEDS}" "${PORT}"; do sleep 1; done

# $1: the database, $2: its schema (temporal or visibility).
setup() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${PORT}" -u "${POSTGRES_USER}" --db "$1" create
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${PORT}" -u "${POSTGRES_USER}" --db "$1" \
    setup-schema -v 0.0
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${PORT}" -u "${POSTGRES_USER}" --db "$1" \
    update-schema -d "${SCHEMA_DIR}/$2/versioned"
  echo "Database $1: schema up to date"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
