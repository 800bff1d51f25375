#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (run as root) or a developer's box.
# Installs what is missing, starts PostgreSQL and Redis when nothing answers, prepares the
# database and the virtualenv, and migrates. A second run only checks and returns quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

DB_NAME=${LANTERN_DB_NAME:-lantern}
DB_USER=${LANTERN_DB_USER:-lantern}
PG_HOST=${PGHOST:-127.0.0.1}
PG_PORT=${PGPORT:-5432}
WANT_BROWSER=${WANT_BROWSER:-0}
export LANTERN_ENV=${LANTERN_ENV:-development}
mkdir -p var/private
[ -s var/dev_secret_key ] || head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > var/dev_secret_key

# --- system packages ---------------------------------------------------------------------------
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
pg_major=${pg_major:-15}
have_pkg "postgresql-${pg_major}-postgis-3" || need+=("postgresql-${pg_major}-postgis-3")
have_pkg gdal-bin || need+=(gdal-bin)
have_pkg libgdal32 || have_pkg libgdal-dev || need+=(libgdal32)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ "$WANT_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium fonts-dejavu-core); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]} (run as root, or install them)" >&2; exit 1
  fi
  say "installing system packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- services ----------------------------------------------------------------------------------
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  say "starting PostgreSQL"
  cluster=$(ls /etc/postgresql | sort -n | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/lantern.log
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

# --- database: role, database, PostGIS (also in template1 so test databases get it) -----------
psql_admin() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"
  fi
}
if ! psql -X -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -tAc \
    "select 1 from pg_extension where extname='postgis'" 2>/dev/null | grep -q 1; then
  say "creating role '$DB_USER', database '$DB_NAME' and the postgis extension"
  psql_admin -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_USER}') THEN
        CREATE ROLE ${DB_USER} LOGIN CREATEDB;
      END IF; END \$\$;"
  psql_admin -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis;"
  psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='${DB_NAME}'" | grep -q 1 \
    || psql_admin -d postgres -c "CREATE DATABASE ${DB_NAME} OWNER ${DB_USER};"
  psql_admin -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis;"
fi
# Some machines ship PostgreSQL with autovacuum off; dead rows then bloat the indexes intake and matching read.
if [ "$(psql -X -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -tAc 'show autovacuum' 2>/dev/null)" = off ]; then
  say "turning PostgreSQL's autovacuum on"
  psql_admin -d postgres -c "ALTER SYSTEM SET autovacuum = on;" -c "SELECT pg_reload_conf();" >/dev/null \
    || say "could not turn autovacuum on (no administrator access): run VACUUM ANALYZE now and then"
fi

# --- Python virtualenv -------------------------------------------------------------------------
find_python() {
  for cand in python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3 \
      "$HOME"/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3 python3; do
    p=$(command -v "$cand" 2>/dev/null) || continue
    "$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$p"; return; }
  done
  return 1
}
if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || {
    say "no Python 3.12+ found; installing Debian's python3"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    py=$(find_python) || { echo "Python 3.12 or newer is required" >&2; exit 1; }
  }
  say "creating .venv with $("$py" --version)"
  "$py" -m venv .venv
fi
# Exactly what requirements-dev.lock names (the service's requirements.lock plus the test tools), each file checked against its hash: a fresh machine gets what CI
# tested. The project itself goes in without dependencies (everything it needs is in the lock).
stamp=.venv/.lantern-installed
digest=$(cat pyproject.toml requirements-dev.lock | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  say "installing Python dependencies from requirements-dev.lock"
  .venv/bin/pip install -q --progress-bar off --require-hashes --only-binary :all: -r requirements-dev.lock
  .venv/bin/pip install -q --no-deps -e .
  echo "$digest" > "$stamp"
fi

# --- schema ------------------------------------------------------------------------------------
say "applying migrations"
.venv/bin/python manage.py migrate --noinput -v 0
if [ -n "${SERVICE_AREA_FILE:-}" ]; then
  say "loading the service area from $SERVICE_AREA_FILE"
  .venv/bin/python manage.py service_area_load
fi
say "ready"
