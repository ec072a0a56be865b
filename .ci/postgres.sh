# shellcheck shell=bash
# Sourced by .ci/run: starts a throw-away PostgreSQL cluster on 127.0.0.1 for the store's
# PostgreSQL tests and the scale-out test, exports TUNESTUDIO_TEST_PG_URL, and defines
# pg_cleanup (run on EXIT by .ci/run) to stop it and delete its files.
#
# Needs root and Debian's `postgresql` package (.ci/run installs it). When anything is missing
# or fails, it says why and leaves TUNESTUDIO_TEST_PG_URL unset; the PostgreSQL tests then skip
# with that reason. It never aborts the caller (which runs under `set -e`).
#
# By hand:  source .ci/postgres.sh && echo "$TUNESTUDIO_TEST_PG_URL" && pg_cleanup

_ts_pg_dir=""
_ts_pg_bin=""

pg_cleanup() {
  if [ -n "$_ts_pg_dir" ] && [ -d "$_ts_pg_dir" ]; then
    if [ -f "$_ts_pg_dir/data/postmaster.pid" ]; then
      _ts_pg_as_postgres "$_ts_pg_bin/pg_ctl" -D "$_ts_pg_dir/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$_ts_pg_dir"
  fi
  _ts_pg_dir=""
}

_ts_pg_as_postgres() {
  # runuser (util-linux) needs no PAM session; su is the fallback on systems without it.
  if command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- "$@")
  else
    local cmd
    printf -v cmd '%q ' "$@"
    (cd / && su postgres -s /bin/sh -c "$cmd")
  fi
}

_ts_pg_free_port() {
  # A port nothing listens on: bash's /dev/tcp connect fails on a free port.
  local port tries=0
  while [ "$tries" -lt 50 ]; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$(( tries + 1 ))
  done
  return 1
}

_ts_pg_start() {
  if [ -n "${TUNESTUDIO_TEST_PG_URL:-}" ]; then
    _ts_pg_why="TUNESTUDIO_TEST_PG_URL is already set; using that server"
    return 2
  fi
  if [ "$(id -u)" != 0 ]; then
    _ts_pg_why="not running as root, cannot start a cluster as user postgres"
    return 1
  fi
  _ts_pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -type d -name bin 2>/dev/null \
    | sort -V | tail -n 1)
  if [ -z "$_ts_pg_bin" ] || [ ! -x "$_ts_pg_bin/initdb" ]; then
    _ts_pg_why="the postgresql package is not installed (no /usr/lib/postgresql/*/bin/initdb)"
    return 1
  fi
  if ! id postgres >/dev/null 2>&1; then
    _ts_pg_why="there is no 'postgres' system user"
    return 1
  fi
  local port
  if ! port=$(_ts_pg_free_port); then
    _ts_pg_why="found no free TCP port on 127.0.0.1"
    return 1
  fi
  if ! _ts_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/tunestudio-pg.XXXXXX"); then
    _ts_pg_why="cannot create a temporary directory"
    return 1
  fi
  chmod 700 "$_ts_pg_dir" && chown postgres: "$_ts_pg_dir" || {
    _ts_pg_why="cannot give $_ts_pg_dir to user postgres"
    return 1
  }
  if ! _ts_pg_as_postgres "$_ts_pg_bin/initdb" -D "$_ts_pg_dir/data" --auth=trust \
      -U postgres -E UTF8 --no-sync >"$_ts_pg_dir/initdb.log" 2>&1; then
    _ts_pg_why="initdb failed: $(tail -n 3 "$_ts_pg_dir/initdb.log" | tr '\n' ' ')"
    return 1
  fi
  if ! _ts_pg_as_postgres "$_ts_pg_bin/pg_ctl" -D "$_ts_pg_dir/data" \
      -l "$_ts_pg_dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $_ts_pg_dir -c fsync=off" start \
      >/dev/null 2>&1; then
    _ts_pg_why="the server did not start: $(tail -n 3 "$_ts_pg_dir/server.log" | tr '\n' ' ')"
    return 1
  fi
  if ! _ts_pg_as_postgres "$_ts_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres \
      tunestudio_test >"$_ts_pg_dir/createdb.log" 2>&1; then
    _ts_pg_why="createdb failed: $(tail -n 3 "$_ts_pg_dir/createdb.log" | tr '\n' ' ')"
    return 1
  fi
  export TUNESTUDIO_TEST_PG_URL="postgresql+psycopg2://postgres@127.0.0.1:$port/tunestudio_test"
  return 0
}

_ts_pg_why=""
if _ts_pg_start; then
  echo "==> PostgreSQL for the tests: $TUNESTUDIO_TEST_PG_URL"
else
  case $? in
    2) echo "==> PostgreSQL: $_ts_pg_why" ;;
    *) echo "==> PostgreSQL not started ($_ts_pg_why); the PostgreSQL tests will be skipped"
       pg_cleanup
       unset TUNESTUDIO_TEST_PG_URL ;;
  esac
fi
