#!/usr/bin/env bash
# `make schemathesis`: Schemathesis (pinned by tools/schemathesis/requirements.txt, installed into
# tools/schemathesis/.venv, rebuilt when that file changes) generates requests for every
# operation of docs/openapi.yaml and holds every answer of the real service to it, with all its
# checks. The service is the debug binary with a fresh SQLite database (in a temporary
# directory) and connections on (PUBLIC_URL, CONNECT_RETURN_URLS), an org with a Jira Server and
# a Jira Cloud integration, each pointing at a jira-sim of that flavour, a caller token and an
# admin token; for the admin API, two more integrations and an app to read, change and check,
# and orgs, integrations, caller tokens and apps that its DELETEs may take. Four runs: with the
# caller token, with a made-up token, with none, and with the admin token (last: it changes the
# data). Exits non-zero when a run reports a failure, when an operation that documents a 2xx
# never got one with the token of its security scheme (the caller token for the searches, the
# admin token for the admin API), or when the runs together take longer than
# SCHEMATHESIS_TIME_LIMIT. Everything it starts is stopped by its PID on exit.
#
# Bounds (environment): SCHEMATHESIS_MAX_EXAMPLES (examples per operation and phase, default
# 300), SCHEMATHESIS_SEED (default 20240612: the same requests every run; change it to explore),
# SCHEMATHESIS_TIME_LIMIT (seconds for the four runs together, default 600). Which values the
# parameters take: tools/schemathesis/schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh
# shellcheck source=scripts/lib/net.sh
source scripts/lib/net.sh

LOG_TAG=schemathesis
ROOT=$PWD
TOOL_DIR=tools/schemathesis
VENV=$TOOL_DIR/.venv
PYTHON=${PYTHON:-python3}
BIN=target/debug
SPEC=docs/openapi.yaml
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-300}
SEED=${SCHEMATHESIS_SEED:-20240612}
TIME_LIMIT=${SCHEMATHESIS_TIME_LIMIT:-1200}
ORG=schemathesis
SERVER_PAT=schemathesis-server-pat
CLOUD_EMAIL=schemathesis@example.com
CLOUD_TOKEN=schemathesis-cloud-api-token
# Shaped like a real one (`jst_` and 64 hex digits), but no `token add` made it.
MADE_UP_TOKEN=jst_$(printf '%064d' 0)

# --- The pinned Schemathesis, in its own virtual environment --------------------------------

# The venv is rebuilt when requirements.txt or the Python it was made with changes.
ensure_venv() {
  ensure_pkg "$PYTHON" python3
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "schemathesis: $PYTHON is $("$PYTHON" --version 2>&1); Schemathesis needs Python 3.11 or later" >&2
    return 1
  fi
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian's python3 comes without them: python3-venv brings them.
    local as_root=()
    if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
    echo "schemathesis: $PYTHON cannot make a venv; installing python3-venv with apt-get"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  local want have
  want=$({ "$PYTHON" --version 2>&1; cat "$TOOL_DIR/requirements.txt"; } | sha256sum | cut -d' ' -f1)
  have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
  if [[ "$want" == "$have" && -x "$VENV/bin/schemathesis" ]]; then return 0; fi
  echo "schemathesis: installing $TOOL_DIR/requirements.txt into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # Every package is pinned in the file, so nothing else may come in (--no-deps); `pip check`
  # then proves the file is complete.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv --no-deps \
    -r "$TOOL_DIR/requirements.txt"
  local problems
  problems=$("$VENV/bin/pip" check --disable-pip-version-check) || {
    echo "$problems" >&2
    echo "schemathesis: $TOOL_DIR/requirements.txt misses a dependency" >&2
    return 1
  }
  echo "$want" >"$VENV/.requirements.sha256"
}

ensure_pkg curl curl
ensure_venv
echo "schemathesis: $("$VENV/bin/schemathesis" --version)"

echo "schemathesis: building the debug binaries"
cargo build --locked --quiet -p app -p jira-sim --bins

# --- The service, seeded, with a simulator of each flavour behind it --------------------------

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $status -ne 0 && -d "$work" ]]; then
    echo "schemathesis: logs of the failed run kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Started in this shell (not in a $(...) subshell), so their PIDs reach `pids`.
start_sim() { # flavor out-file extra-args...
  local flavor=$1 out=$2; shift 2
  "$BIN/jira-sim" --flavor "$flavor" "$@" >"$out" 2>"$out.log" &
  pids+=($!)
}
base_url_of() { # out-file: the base URL jira-sim printed on its first line
  for _ in $(seq 1 100); do [[ -s "$1" ]] && break; sleep 0.05; done
  head -n 1 "$1"
}
start_sim server "$work/sim-server.url" --accept-token "$SERVER_PAT"
start_sim cloud "$work/sim-cloud.url" --accept-basic "$CLOUD_EMAIL:$CLOUD_TOKEN"
SIM_SERVER=$(base_url_of "$work/sim-server.url")
SIM_CLOUD=$(base_url_of "$work/sim-cloud.url")
[[ -n "$SIM_SERVER" && -n "$SIM_CLOUD" ]] || { echo "schemathesis: jira-sim did not start" >&2; exit 1; }

export DATABASE_URL="sqlite://$work/jira-search.db"
unset REDIS_URL SECRET_KEY
JS="$BIN/jira-search"
"$JS" org add "$ORG" >/dev/null
SERVER_ID=$(printf '%s\n' "$SERVER_PAT" | "$JS" integration add --org "$ORG" --provider jira_server \
  --base-url "$SIM_SERVER" --auth pat --allow-http --name "Schemathesis Jira Server")
CLOUD_ID=$(printf '%s\n' "$CLOUD_TOKEN" | "$JS" integration add --org "$ORG" --provider jira \
  --base-url "$SIM_CLOUD" --auth basic --user "$CLOUD_EMAIL" --allow-http --name "Schemathesis Jira Cloud")
TOKEN=$("$JS" token add --org "$ORG")
ADMIN_TOKEN=$("$JS" token add --admin --name schemathesis)
# For the admin run: integrations to read, rename, disable, rotate and check (not the searches'
# ones), and what its DELETEs may take, so that they answer 204 without taking what the other
# operations read.
ADMIN_IDS=()
ADMIN_IDS+=("$(printf '%s\n' "$SERVER_PAT" | "$JS" integration add --org "$ORG" --provider jira_server \
  --base-url "$SIM_SERVER" --auth pat --allow-http --name "Schemathesis admin Server")")
ADMIN_IDS+=("$(printf '%s\n' "$CLOUD_TOKEN" | "$JS" integration add --org "$ORG" --provider jira \
  --base-url "$SIM_CLOUD" --auth basic --user "$CLOUD_EMAIL" --allow-http --name "Schemathesis admin Cloud")")
# Those go in an org of their own, so that no search of the seeded org meets them.
DOOMED_ORGS=() DOOMED_IDS=() DOOMED_PREFIXES=() DOOMED_KEYS=()
"$JS" org add "$ORG-spare" >/dev/null
for n in 1 2 3; do
  "$JS" org add "doomed-$n" >/dev/null
  DOOMED_ORGS+=("doomed-$n")
  DOOMED_IDS+=("$(printf '%s\n' "$SERVER_PAT" | "$JS" integration add --org "$ORG-spare" \
    --provider jira_server --base-url "$SIM_SERVER" --auth pat --allow-http --name "doomed-$n")")
  doomed_token=$("$JS" token add --org "$ORG-spare" --name "doomed-$n")
  DOOMED_PREFIXES+=("${doomed_token:0:12}")
  # `signing-key add` prints the key's id, then its secret: only the id is kept. Read whole,
  # not through `head`: a pipe closed before the second line made the CLI fail (EPIPE).
  doomed_key=$("$JS" signing-key add --org "$ORG-spare" --name "doomed-$n")
  DOOMED_KEYS+=("${doomed_key%%$'\n'*}")
done

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
# Where connections may send the browser back to: a page nobody serves (no run follows it).
RETURN_PREFIX="https://product.example.com/settings"
# CORS on, so the search routes' OPTIONS (preflights) answer 204 for this origin and 403 else.
LISTEN_ADDR="127.0.0.1:$PORT" PUBLIC_URL="$BASE" CONNECT_RETURN_URLS="$RETURN_PREFIX" \
  CORS_ALLOWED_ORIGINS="https://app.example.com" \
  "$JS" serve 2>"$work/jira-search.log" &
pids+=($!)
for _ in $(seq 1 100); do port_in_use "$PORT" && break; sleep 0.05; done
port_in_use "$PORT" || { cat "$work/jira-search.log"; echo "schemathesis: jira-search did not start" >&2; exit 1; }
echo "schemathesis: jira-search at $BASE, org $ORG, integrations $SERVER_ID (Server) and $CLOUD_ID (Cloud)"

# Apps have no CLI: the admin API makes them. One to read and connect through, three to delete.
add_app() { # client-id: prints the new app's id
  curl -sf -X POST "$BASE/api/v1/apps" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"kind\":\"atlassian-3lo\",\"client_id\":\"$1\",\"client_secret\":\"schemathesis-secret\"}" |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
APP_ID=$(add_app schemathesis-3lo)
DOOMED_APPS=()
for n in 1 2 3; do DOOMED_APPS+=("$(add_app "doomed-$n")"); done
echo "schemathesis: admin API: integrations ${ADMIN_IDS[*]}, app $APP_ID; to delete: orgs ${DOOMED_ORGS[*]}, integrations ${DOOMED_IDS[*]}, apps ${DOOMED_APPS[*]}, tokens ${DOOMED_PREFIXES[*]}, signing keys ${DOOMED_KEYS[*]}"

# The configuration and its hooks, next to the dictionaries it names: the seeded org and
# integrations, and words and project ids the simulators know; for the admin API, what was
# seeded for it.
cp "$TOOL_DIR/schemathesis.toml" "$TOOL_DIR/hooks.py" "$work/"
export SCHEMATHESIS_RSA_KEY_FILE="$ROOT/crates/app/tests/fixtures/oauth1-test-private.pem"
"$VENV/bin/python" "$TOOL_DIR/dictionaries.py" "$work" "$ORG" "$SIM_SERVER" "$SIM_CLOUD" -- \
  "$SERVER_ID" "$CLOUD_ID"
dict() { "$VENV/bin/python" "$TOOL_DIR/dictionaries.py" --values "$work" "$@"; }
dict id "${ADMIN_IDS[@]}"
dict app_id "$APP_ID"
dict doomed_org "${DOOMED_ORGS[@]}"
dict doomed_id "${DOOMED_IDS[@]}"
dict doomed_app_id "${DOOMED_APPS[@]}"
dict doomed_prefix "${DOOMED_PREFIXES[@]}"
dict doomed_key_id "${DOOMED_KEYS[@]}"
dict return_url "$RETURN_PREFIX/jira" "$RETURN_PREFIX"

# --- Four runs ---------------------------------------------------------------------------------

# No --max-time: it makes Schemathesis fuzz until the time is spent, so what a run sends would
# depend on the machine's speed. A fixed number of examples and a seed send the same requests
# every time (one worker: with more, the order, and so the requests, vary); the time limit is
# a bound that fails, not a budget.
deadline=$((SECONDS + TIME_LIMIT))
failed=()
run() { # name [--require-2xx SCHEME] -- extra-args...: one Schemathesis run, within what is left of TIME_LIMIT
  local name=$1 slug=${1// /-}; shift
  local check=()
  if [[ $1 == --require-2xx ]]; then check=(--require-2xx "$SPEC" "$2"); shift 2; fi
  shift # --
  local left=$((deadline - SECONDS)) status=0
  if ((left <= 0)); then
    echo "schemathesis: no time left for the run $name (SCHEMATHESIS_TIME_LIMIT=$TIME_LIMIT)" >&2
    failed+=("$name (not run: out of time)")
    return 0
  fi
  echo "schemathesis: run $name (seed $SEED, at most $MAX_EXAMPLES examples per operation and phase, ${left}s left)"
  curl -sf "$BASE/metrics" >"$work/$slug.before"
  # In the temporary directory: nothing Schemathesis might write lands in the work tree. In the
  # background, so that a signal reaches the traps at once (`timeout` passes it on).
  env -C "$work" timeout --kill-after=10 "$left" "$ROOT/$VENV/bin/schemathesis" \
    --config-file "$work/schemathesis.toml" --no-color run "$ROOT/$SPEC" --url "$BASE" --checks all \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 --report json \
    --report-json-path "$work/$slug.json" "$@" &
  pids+=($!)
  wait $! || status=$?
  if ((status == 124 || status == 137)); then
    echo "schemathesis: run $name stopped: over SCHEMATHESIS_TIME_LIMIT=${TIME_LIMIT}s" >&2
    failed+=("$name (out of time)")
    return 0
  fi
  if ((status != 0)); then failed+=("$name"); fi
  curl -sf "$BASE/metrics" >"$work/$slug.after" || true
  if [[ -s "$work/$slug.json" && -s "$work/$slug.before" && -s "$work/$slug.after" ]]; then
    "$VENV/bin/python" "$TOOL_DIR/summary.py" "$name" "$work/$slug.json" "$work/$slug.before" \
      "$work/$slug.after" "${check[@]}" ||
      { ((status != 0)) || failed+=("$name (2xx never reached)"); }
  elif ((status == 0)); then
    echo "schemathesis: run $name wrote no report" >&2
    failed+=("$name (no report)")
  fi
}
# Expected warnings: "Missing test data" for GET /{unknown} (any path not listed answers 404: it
# has nothing else to answer); "Schema validation mismatch" for the connect routes (only a
# consent in progress has a state they know: any other is the 400 page); and "Authentication
# failed", with a wrong or no token for every search and admin route (401: what those two runs
# are for), with the caller token for the admin API (403) and with the admin token for the
# searches (401).
run "with the caller token" --require-2xx callerToken -- --header "Authorization: Bearer $TOKEN"
run "with a made-up token" -- --header "Authorization: Bearer $MADE_UP_TOKEN"
# Without --generation-with-security-parameters false, Schemathesis would make up a token itself.
run "with no token" -- --generation-with-security-parameters false
run "with the admin token" --require-2xx adminToken -- --header "Authorization: Bearer $ADMIN_TOKEN"

if ((${#failed[@]} > 0)); then
  printf -v list '; %s' "${failed[@]}"
  echo "schemathesis: FAILED: ${list:2}" >&2
  exit 1
fi
echo "schemathesis: 4 runs passed"
