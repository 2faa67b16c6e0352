#!/usr/bin/env bash
# Provide the system parts the tests need: PostgreSQL (installed, started, with a role that may create
# databases) and Chromium. Installs with apt-get where it can. Progress goes to stderr; the one line on
# stdout is the URL of the server's maintenance database for that role (empty if PostgreSQL could not
# be provided): each test run creates a database of its own there and drops it afterwards, so two
# runs on one machine never share one. Under CI=true, anything it cannot provide is an error.
set -u
PG_ROLE=dashboard_test
PG_PASSWORD=dashboard_test
PG_PORT=${DASHBOARD_TEST_PG_PORT:-5432}
missing=()

say() { echo "test services: $*" >&2; }

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_updated=0
apt_install() {
  can_install || return 1
  if [ $apt_updated = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }

if ! [ -x /usr/bin/chromium ]; then
  say "installing Chromium (apt-get install -y chromium)"
  apt_install chromium || missing+=("Chromium (browser tests)")
fi

if ! command -v npm >/dev/null; then
  say "installing npm (apt-get install -y npm), for axe-core"
  apt_install npm || missing+=("npm (accessibility checks)")
fi

if ! command -v pdftoppm >/dev/null; then
  say "installing poppler-utils (apt-get install -y poppler-utils), to look at board pack pages"
  apt_install poppler-utils || missing+=("pdftoppm (board pack pages)")
fi

if ! have_postgres; then
  say "installing PostgreSQL (apt-get install -y postgresql)"
  apt_install postgresql || true
fi

pg_url=""
if have_postgres && command -v pg_lsclusters >/dev/null; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    say "creating PostgreSQL $version cluster"
    pg_createcluster "$version" main -p "$PG_PORT" >&2 || true
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    say "starting PostgreSQL $version (pg_ctlcluster $version main start)"
    pg_ctlcluster "$version" main start >&2 || true
  fi
  port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }
  if as_postgres psql -p "$port" -qtAc "select 1" >/dev/null 2>&1; then
    as_postgres psql -p "$port" -qtAc "select 1 from pg_roles where rolname='$PG_ROLE'" | grep -q 1 ||
      as_postgres psql -p "$port" -qc "create role $PG_ROLE login password '$PG_PASSWORD'" >&2
    as_postgres psql -p "$port" -qc "alter role $PG_ROLE createdb" >&2
    pg_url="postgresql+psycopg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/postgres"
  else
    missing+=("PostgreSQL server (store tests on PostgreSQL)")
  fi
else
  missing+=("PostgreSQL (store tests on PostgreSQL)")
fi

if [ ${#missing[@]} -gt 0 ]; then
  for part in "${missing[@]}"; do say "could not provide $part"; done
  if [ "${CI:-}" = "true" ]; then
    say "CI=true: every test must run, so this is an error"
    exit 1
  fi
  say "the tests that need these will be skipped, each saying why (run as root to install them)"
fi
echo "$pg_url"
