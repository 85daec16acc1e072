#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the store/sqlstore tests.
#
# Usage:
#   eval "$(.ci/postgres.sh start)"   # starts a cluster, exports SCIM_TEST_POSTGRES_DSN and SCIM_PG_DIR
#   go test ./store/sqlstore/...
#   .ci/postgres.sh stop "$SCIM_PG_DIR" # stops it and deletes its files
#
# start finds initdb on PATH or under /usr/lib/postgresql/*/bin; when there is
# none and it runs as root, it installs Debian's postgresql package. The
# cluster lives in a temporary directory, listens on 127.0.0.1 only, on a free
# port, with trust authentication. PostgreSQL refuses to run as root: as root
# the cluster runs as the OS user "postgres" (or "scimtest", created when
# neither exists). Everything but the export lines goes to stderr.
#
# The tests' cluster runs with fsync and full_page_writes off: a commit
# does not wait for the disk. SCIM_PG_DURABLE=1 starts one with
# PostgreSQL's defaults instead (every commit flushes its WAL), for the
# benchmarks that measure a write path as deployed (docs/benchmarks.md).
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    echo $((20000 + RANDOM % 20000))
  fi
}

# as USER CMD...: runs CMD as USER (or directly when not root).
as() {
  local user=$1; shift
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then runuser -u "$user" -- "$@"; else su "$user" -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

start() {
  local bin
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then log "initdb not found and not root: install PostgreSQL"; exit 1; fi
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
    [ -n "$bin" ] || { log "initdb still not found after installing postgresql"; exit 1; }
  fi
  local user
  user=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
      user=postgres
    else
      id scimtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin scimtest
      user=scimtest
    fi
  fi
  local dir port durability="-c fsync=off -c full_page_writes=off"
  [ "${SCIM_PG_DURABLE:-}" = 1 ] && durability=""
  dir=$(mktemp -d /tmp/scim-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
  port=$(free_port)
  as "$user" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=200" start >&2 ||
    { cat "$dir/server.log" >&2; exit 1; }
  log "PostgreSQL ($bin) on 127.0.0.1:$port, data in $dir, running as $user${durability:+, fsync off}"
  echo "export SCIM_PG_DIR='$dir'"
  echo "export SCIM_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
}

stop() {
  local dir=${1:-${SCIM_PG_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir/data" ] || { log "stop: no cluster directory given"; exit 1; }
  local bin user
  bin=$(find_bin)
  user=$(stat -c %U "$dir")
  as "$user" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
