#!/bin/sh
# Creates, once, when the PostgreSQL volume is first initialised (the official image runs
# /docker-entrypoint-initdb.d/ then and never again):
# - the hub's role `hub`, owner of database `hub` and of nothing else, with pgvector enabled there
#   (creating the extension takes the superuser; the hub's migrations then find it);
# - Temporal's role `temporal` and its two databases, whose tables the temporal-schema service of
#   compose.yaml creates and upgrades.
# Neither role is a superuser: the hub cannot reach Temporal's databases, nor Temporal the hub's.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v hub_password="$HUB_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE hub LOGIN PASSWORD :'hub_password';
CREATE DATABASE hub OWNER hub;
REVOKE ALL ON DATABASE hub FROM PUBLIC;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
\connect hub
CREATE EXTENSION IF NOT EXISTS vector;
SQL
