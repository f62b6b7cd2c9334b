#!/usr/bin/env bash
# Start Debian's PostgreSQL, create a throw-away database and run the test suite against it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q online; then
  pg_lsclusters -h | grep -q . || pg_createcluster "$version" main >/dev/null
  pg_ctlcluster "$version" main start
fi
su postgres -c "psql -q -c \"DROP DATABASE IF EXISTS signpost_test\"" 
su postgres -c "psql -q -c \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='signpost') THEN CREATE ROLE signpost LOGIN PASSWORD 'signpost' SUPERUSER; END IF; END\\\$\\\$\""
su postgres -c "psql -q -c \"CREATE DATABASE signpost_test OWNER signpost\""
port=$(pg_lsclusters -h | awk '{print $3}' | head -n 1)
TEST_DATABASE_URL="postgresql+psycopg://signpost:signpost@127.0.0.1:${port}/signpost_test" \
  .venv/bin/pytest -p no:cacheprovider -m "not browser" -q
