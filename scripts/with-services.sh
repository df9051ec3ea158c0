#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 and Redis, both on unix sockets in a temp dir,
# and always stops both. The command sees:
#   TEST_POSTGRES_URL  postgres://postgres@/rafiki_test?host=<socket dir>
#   TEST_REDIS_URL     unix://<socket dir>/redis.sock
#   TEST_SERVICES_DIR  the temp dir
# Usage: scripts/with-services.sh COMMAND [ARGS...]
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/rafiki-svc.XXXXXX)
chmod 755 "$dir"
pgdata="$dir/pg"
run_as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$dir"
  run_as_pg=(runuser -u postgres --)
fi

cleanup() {
  set +e
  [ -f "$pgdata/postmaster.pid" ] && "${run_as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null
  sleep 0.2
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${run_as_pg[@]}" "$PGBIN/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --no-sync >/dev/null
cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
"${run_as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -l "$dir/pg.log" -w start >/dev/null
"${run_as_pg[@]}" "$PGBIN/createdb" -h "$dir" -U postgres rafiki_test

redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 777 --save '' \
  --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
  --dir "$dir"
for _ in $(seq 50); do [ -S "$dir/redis.sock" ] && break; sleep 0.1; done

export TEST_POSTGRES_URL="postgres://postgres@/rafiki_test?host=$dir"
export TEST_REDIS_URL="unix://$dir/redis.sock"
export TEST_SERVICES_DIR="$dir"
echo "with-services: postgres and redis up in $dir" >&2
set +e
"$@"
rc=$?
exit $rc
