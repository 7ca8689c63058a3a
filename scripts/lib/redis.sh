# Shared by scripts/test.sh and scripts/bench.sh (sourced, not run): find a Redis that
# answers, or start one of our own on a free port, stopped by its PID on exit.
# Afterwards REDIS_URL names it. Callers set `set -euo pipefail` and, before sourcing, an EXIT
# trap that calls `redis_cleanup` once it is defined. Installs redis-server (the tests start and
# kill their own) and curl with apt-get when they are missing.

ensure_command() { # command package: install the Debian package when the command is missing
  command -v "$1" >/dev/null && return
  echo "${LOG_TAG:-redis}: no $1; installing $2 with apt-get"
  local sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$2" >/dev/null
}
ensure_command redis-server redis-server
ensure_command curl curl

redis_answers() { # host port: does a Redis answer PING there? (a subshell keeps fd 3 and stderr local)
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == +PONG* ]]
  ) 2>/dev/null
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port found" >&2; return 1
}

redis_pid=""
redis_dir=""
redis_cleanup() {
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  if [[ -n "$redis_dir" ]]; then rm -rf "$redis_dir"; fi
}

url_host_port() { # redis://[user:pass@]host:port[/db] -> "host port"
  local rest=${1#*://}; rest=${rest##*@}; rest=${rest%%/*}
  echo "${rest%%:*} ${rest##*:}"
}

if [[ -n "${REDIS_URL:-}" ]] && redis_answers $(url_host_port "$REDIS_URL"); then
  echo "${LOG_TAG:-redis}: using Redis at REDIS_URL"
elif redis_answers 127.0.0.1 "${DEFAULT_REDIS_PORT:-6379}"; then
  export REDIS_URL="redis://127.0.0.1:${DEFAULT_REDIS_PORT:-6379}"
  echo "${LOG_TAG:-redis}: using the Redis answering at $REDIS_URL"
else
  port=$(free_port)
  redis_dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
    --daemonize no >"$redis_dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do redis_answers 127.0.0.1 "$port" && break; sleep 0.1; done
  redis_answers 127.0.0.1 "$port" || { cat "$redis_dir/redis.log"; echo "${LOG_TAG:-redis}: redis-server did not start" >&2; exit 1; }
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "${LOG_TAG:-redis}: started redis-server (pid $redis_pid) on port $port"
fi

