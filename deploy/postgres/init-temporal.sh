#!/bin/sh
# Creates Temporal's role and its two databases, once, when the PostgreSQL volume is first
# initialised (the official image runs /docker-entrypoint-initdb.d/ then and never again). The
# temporal-schema service of compose.yaml creates and upgrades their tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
