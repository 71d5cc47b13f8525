#!/usr/bin/env bash
# Runs the given command with DATABASE_URL pointing at a throwaway PostgreSQL cluster.
# The cluster lives in a temp directory, listens only on a Unix socket there, and is removed afterwards.
set -euo pipefail

bindir=""
for candidate in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)")" /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then bindir="$candidate"; break; fi
done
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them: apt-get install postgresql" >&2
  exit 1
fi

workdir=$(mktemp -d /tmp/pgtest.XXXXXX)
chmod 755 "$workdir"
as_owner=()
if [ "$(id -u)" = "0" ]; then
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
  chown postgres "$workdir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT

"${as_owner[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --no-locale >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w start \
  -o "-c listen_addresses='' -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
  >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

socket=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$workdir")
export DATABASE_URL="postgres://postgres@${socket}/postgres"
"$@"
