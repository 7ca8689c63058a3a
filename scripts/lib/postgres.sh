# shellcheck shell=bash
# A PostgreSQL for scripts/test.sh (sourced, not run: defines functions only). Needs
# scripts/lib/pkg.sh (ensure_pkg, apt_install) and scripts/lib/net.sh (free_port) sourced too.
# A caller does, under `set -euo pipefail`:
#
#   trap postgres_cleanup EXIT
#   postgres_ensure         # in the script's own shell, never in $(...): it keeps the PID
#
# Messages start with "$LOG_TAG:" (set by the calling script). The URL of TEST_POSTGRES_URL is
# never printed (it may hold a password).

# postgres_answers URL: does a PostgreSQL answer at URL, as a role that may create databases
# (each test creates its own)? Asks with psql, which never prompts for a password here, and
# gives up after 3 s (10 s in all).
postgres_answers() {
  local reply
  reply=$(PGCONNECT_TIMEOUT=3 timeout 10 psql -X -A -t -q -w -d "$1" \
    -c 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user' \
    2>/dev/null) || return 1
  [[ "$reply" == t ]]
}

# postgres_serves URL DATA_DIR: does the PostgreSQL answering at URL (as a superuser) run on
# DATA_DIR? Tells our own cluster from another that holds the port.
postgres_serves() {
  local reply
  reply=$(PGCONNECT_TIMEOUT=3 timeout 10 psql -X -A -t -q -w -d "$1" -c 'show data_directory' \
    2>/dev/null) || return 1
  [[ "$reply" == "$2" ]]
}

# postgres_alive PID: is process PID running (not gone, not a zombie waiting for its parent)?
postgres_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

# postgres_bin_dir: prints the directory of the highest PostgreSQL version's server programs
# (/usr/lib/postgresql/VERSION/bin, Debian's layout); fails when there is none.
postgres_bin_dir() {
  local dir found=()
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then found+=("$dir"); fi
  done
  (( ${#found[@]} > 0 )) || return 1
  printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

# postgres_ensure: exports TEST_POSTGRES_URL naming a PostgreSQL that answers as a role that
# may create databases: $TEST_POSTGRES_URL when it answers, else
# postgres://postgres@127.0.0.1:${DEFAULT_POSTGRES_PORT:-5432}/postgres when that answers
# (trust authentication), else a cluster of our own: initdb into a temporary directory (trust
# authentication, role postgres, no fsync), postgres on a free port of 127.0.0.1 with its unix
# socket in that directory, whose PID postgres_cleanup stops. POSTGRES_PRIVATE=1 skips the
# first two. Installs psql (postgresql-client) when it is missing, and Debian's postgresql when
# a cluster of our own is needed and /usr/lib/postgresql/*/bin has no server. As root, initdb
# and postgres run as the system user postgres (they refuse to run as root).
postgres_ensure() {
  local tag=${LOG_TAG:-postgres} started bin_dir port url as_user=()
  started=$(date +%s%3N)
  ensure_pkg psql postgresql-client || return 1
  if [[ "${POSTGRES_PRIVATE:-}" != 1 ]]; then
    if [[ -n "${TEST_POSTGRES_URL:-}" ]]; then
      if postgres_answers "$TEST_POSTGRES_URL"; then
        echo "$tag: using PostgreSQL at TEST_POSTGRES_URL"
        return 0
      fi
      echo "$tag: TEST_POSTGRES_URL does not answer as a role that may create databases;" \
        "looking further" >&2
    fi
    url="postgres://postgres@127.0.0.1:${DEFAULT_POSTGRES_PORT:-5432}/postgres"
    if postgres_answers "$url"; then
      export TEST_POSTGRES_URL=$url
      echo "$tag: using the PostgreSQL answering at $url"
      return 0
    fi
  fi
  if ! bin_dir=$(postgres_bin_dir); then
    echo "$tag: no PostgreSQL server in /usr/lib/postgresql/*/bin;" \
      "installing postgresql with apt-get"
    apt_install postgresql || return 1
    if ! bin_dir=$(postgres_bin_dir); then
      echo "$tag: /usr/lib/postgresql/*/bin still has no initdb after installing postgresql" >&2
      return 1
    fi
  fi
  if [[ $(id -u) -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      echo "$tag: initdb and postgres refuse to run as root, and there is no user postgres" \
        "to run them as" >&2
      return 1
    fi
    # setpriv execs (no child process): the PID started below is the server's own.
    as_user=(setpriv "--reuid=$(id -u postgres)" "--regid=$(id -g postgres)" --init-groups --)
  fi
  # In /tmp, whatever TMPDIR says: the user postgres must reach it, and the unix socket's path
  # must stay under 108 bytes.
  postgres_dir=$(mktemp -d /tmp/jira-search-postgres.XXXXXX) || return 1
  if (( ${#as_user[@]} > 0 )); then chown postgres: "$postgres_dir" || return 1; fi
  if ! (cd "$postgres_dir" && "${as_user[@]}" "$bin_dir/initdb" -D "$postgres_dir/data" \
        -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync) \
        >"$postgres_dir/initdb.log" 2>&1; then
    cat "$postgres_dir/initdb.log" >&2
    echo "$tag: initdb failed" >&2
    return 1
  fi
  port=$(free_port) || return 1
  (
    cd "$postgres_dir" &&
      exec "${as_user[@]}" "$bin_dir/postgres" -D "$postgres_dir/data" -p "$port" \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories="$postgres_dir" \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200
  ) >"$postgres_dir/postgres.log" 2>&1 &
  postgres_pid=$!
  url="postgres://postgres@127.0.0.1:$port/postgres"
  # Up to 30 s; stops early when the server has exited (e.g. another took the port meanwhile).
  for _ in $(seq 1 300); do
    if postgres_serves "$url" "$postgres_dir/data" || ! postgres_alive "$postgres_pid"; then
      break
    fi
    sleep 0.1
  done
  if ! postgres_serves "$url" "$postgres_dir/data"; then
    cat "$postgres_dir/postgres.log" >&2
    if postgres_alive "$postgres_pid"; then
      echo "$tag: postgres did not accept connections on port $port within 30 s" >&2
    else
      echo "$tag: postgres exited before accepting connections on port $port (its log above)" >&2
    fi
    return 1
  fi
  export TEST_POSTGRES_URL=$url
  local version=${bin_dir%/bin}
  echo "$tag: started PostgreSQL ${version##*/} (pid $postgres_pid) on port $port in" \
    "$(( $(date +%s%3N) - started )) ms: $url"
}

# postgres_cleanup: stops the postgres postgres_ensure started, by its PID (SIGINT, PostgreSQL's
# fast shutdown: it ends the sessions still open), waits for it and removes its directory; does
# nothing when it started none. Always succeeds. For the caller's EXIT trap.
postgres_cleanup() {
  if [[ -n "${postgres_pid:-}" ]]; then
    kill -INT "$postgres_pid" 2>/dev/null || true
    wait "$postgres_pid" 2>/dev/null || true
    postgres_pid=""
  fi
  if [[ -n "${postgres_dir:-}" ]]; then
    rm -rf "$postgres_dir" || true
    postgres_dir=""
  fi
}
