#!/usr/bin/env bash
# Start Debian's PostgreSQL, create a throw-away database and run the test suite against it
# (browser tests excluded: they drive the SQLite demo server). Run as root, as CI does.
# Extra arguments go to pytest, e.g. `bash scripts/ci-postgres.sh tests/catalogue/accounts/test_accounts.py -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
cluster() { pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"'; }
if [ -z "$(cluster)" ]; then
  pg_createcluster "$version" main >/dev/null
fi
if ! cluster | grep -q online; then
  pg_ctlcluster "$version" main start
fi
port=$(cluster | awk '{print $3}')

# psql as the postgres superuser over the local socket (peer authentication); from / so that
# postgres is not asked to read a directory it cannot.
admin() { (cd / && runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -q "$@"); }
admin -c "DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'signpost') THEN
    CREATE ROLE signpost LOGIN PASSWORD 'signpost' CREATEDB;
  END IF;
END\$\$"
admin -c "DROP DATABASE IF EXISTS signpost_test WITH (FORCE)"
admin -c "CREATE DATABASE signpost_test OWNER signpost"

# Under pytest-xdist each worker makes its own database from this one's name (tests/conftest.py).
export TEST_DATABASE_URL="postgresql+psycopg://signpost:signpost@127.0.0.1:${port}/signpost_test"
exec .venv/bin/pytest -n 2 --dist loadgroup -p no:cacheprovider -m "not browser" -q "$@"
