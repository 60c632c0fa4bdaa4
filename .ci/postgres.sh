#!/usr/bin/env bash
# Makes a throwaway PostgreSQL server available on 127.0.0.1 for the store and web tests, then
# prints the line `export QUARTIER_TEST_POSTGRES_URL=...` (or writes it to the file named by $1).
#
# Idempotent: a server this script already started (same folder) is reused. It installs Debian's
# `postgresql` with apt-get when initdb/pg_ctl are missing, creates a cluster in a temporary
# folder owned by the `postgres` system user (the server refuses to run as root), trusts
# connections on loopback only, picks a free port from 55432 up, starts it with `pg_ctl -w` and
# creates the role `quartier` with CREATEDB (the tests create and drop one database each).
#
# Environment: QUARTIER_PG_DIR (default /tmp/quartier-pg), QUARTIER_PG_PORT (first port tried).
# Stop it with: runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D /tmp/quartier-pg/data stop
set -euo pipefail

dir="${QUARTIER_PG_DIR:-/tmp/quartier-pg}"
first_port="${QUARTIER_PG_PORT:-55432}"
out="${1:-}"

find_bin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$b" ] && [ -x "$b/pg_ctl" ] && [ -x "$b/initdb" ] && [ -x "$b/psql" ]; then
    echo "$b"
  elif command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
  fi
}

bin=$(find_bin)
if [ -z "$bin" ]; then
  echo "postgres.sh: installing Debian's postgresql" >&2
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    echo "postgres.sh: initdb/pg_ctl not found after installing postgresql" >&2
    exit 1
  fi
fi

# Run a command as the `postgres` system user when we are root (the server refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir "$dir" --shell /bin/bash postgres
    fi
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$dir"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/bash postgres
  chown postgres "$dir"
fi
chmod 700 "$dir"

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  port=$(cat "$dir/port")
  echo "postgres.sh: reusing the server on port $port" >&2
else
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
      || as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    # Loopback only, trust: a test server that holds nothing of value.
    as_pg sh -c "cat > '$dir/data/pg_hba.conf'" <<'EOF'
local   all all              trust
host    all all 127.0.0.1/32 trust
host    all all ::1/128      trust
EOF
  fi
  port=$first_port
  while ! port_free "$port"; do
    port=$((port + 1))
    if [ "$port" -gt $((first_port + 100)) ]; then
      echo "postgres.sh: no free port from $first_port" >&2
      exit 1
    fi
  done
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=200 -c fsync=off" \
    start >&2
  echo "$port" | as_pg sh -c "cat > '$dir/port'"
fi

as_pg "$(if [ -x "$bin/psql" ]; then echo "$bin/psql"; else command -v psql; fi)" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<'EOF'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quartier') THEN
    CREATE ROLE quartier LOGIN CREATEDB;
  END IF;
END $$;
EOF

line="export QUARTIER_TEST_POSTGRES_URL=postgres://quartier@127.0.0.1:$port/postgres"
if [ -n "$out" ]; then
  echo "$line" > "$out"
else
  echo "$line"
fi
