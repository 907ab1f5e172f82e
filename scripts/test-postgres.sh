#!/usr/bin/env bash
# Starts the machine's PostgreSQL (Debian's cluster) for the tests and prints an admin URL on stdout.
# The integration tests create a fresh database per run from it (MAHNWERK_TEST_DATABASE_URL).
# Installs Debian's postgresql when it is missing and we are root; prints nothing if it cannot.
set -euo pipefail
log() { printf 'mahnwerk: %s\n' "$*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's postgresql for the tests…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || {
      log "could not install postgresql: the PostgreSQL tests will be skipped"
      exit 0
    }
  else
    log "no PostgreSQL on this machine: the PostgreSQL tests will be skipped"
    exit 0
  fi
fi

read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n1)
if [[ "$status" != online* ]]; then
  log "starting PostgreSQL $version/$cluster on port $port"
  pg_ctlcluster "$version" "$cluster" start >&2
fi
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mahnwerk_test') THEN
    CREATE ROLE mahnwerk_test LOGIN CREATEDB PASSWORD 'mahnwerk_test';
  END IF;
END \$\$;
SQL
printf 'postgres://mahnwerk_test:mahnwerk_test@127.0.0.1:%s/postgres\n' "$port"
