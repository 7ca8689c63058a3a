# shellcheck shell=bash
# A Redis for scripts/test.sh and scripts/bench.sh (sourced, not run: defines functions only).
# Needs scripts/lib/pkg.sh (ensure_pkg) and scripts/lib/net.sh (free_port) sourced too. A
# caller does, under `set -euo pipefail`:
#
#   trap redis_cleanup EXIT
#   redis_ensure            # in the script's own shell, never in $(...): it keeps the PID
#
# Messages start with "$LOG_TAG:" (set by the calling script).

# redis_answers HOST PORT: does a Redis answer PING there? (A subshell keeps fd 3 and stderr
# local.)
redis_answers() {
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == +PONG* ]]
  ) 2>/dev/null
}

# redis_url_answers URL: does a Redis answer PING at redis://[user:pass@]host:port[/db]?
redis_url_answers() {
  local rest=${1#*://}
  rest=${rest##*@}
  rest=${rest%%/*}
  redis_answers "${rest%%:*}" "${rest##*:}"
}

# redis_ensure: exports REDIS_URL naming a Redis that answers: $REDIS_URL when it answers, else
# 127.0.0.1:${DEFAULT_REDIS_PORT:-6379} when that answers, else a redis-server of our own on a
# free port (no persistence, in a temporary directory), whose PID redis_cleanup stops.
# Installs redis-server when it is missing, whichever Redis is used: the resilience tests start
# and kill their own.
redis_ensure() {
  local tag=${LOG_TAG:-redis} default_port=${DEFAULT_REDIS_PORT:-6379} port
  ensure_pkg redis-server redis-server || return 1
  if [[ -n "${REDIS_URL:-}" ]] && redis_url_answers "$REDIS_URL"; then
    echo "$tag: using Redis at REDIS_URL"
    return 0
  fi
  if redis_answers 127.0.0.1 "$default_port"; then
    export REDIS_URL="redis://127.0.0.1:$default_port"
    echo "$tag: using the Redis answering at $REDIS_URL"
    return 0
  fi
  port=$(free_port) || return 1
  redis_dir=$(mktemp -d) || return 1
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
    --daemonize no >"$redis_dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do redis_answers 127.0.0.1 "$port" && break; sleep 0.1; done
  if ! redis_answers 127.0.0.1 "$port"; then
    cat "$redis_dir/redis.log"
    echo "$tag: redis-server did not start" >&2
    return 1
  fi
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "$tag: started redis-server (pid $redis_pid) on port $port"
}

# redis_cleanup: stops the redis-server redis_ensure started, by its PID, and removes its
# directory; does nothing when it started none. For the caller's EXIT trap.
redis_cleanup() {
  if [[ -n "${redis_pid:-}" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  fi
  if [[ -n "${redis_dir:-}" ]]; then
    rm -rf "$redis_dir"
    redis_dir=""
  fi
}
