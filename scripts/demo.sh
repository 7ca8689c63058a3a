#!/usr/bin/env bash
# `make demo`: the service with its embedded defaults (SQLite file, in-process cache) against
# two bundled Jira simulators (Server and Cloud), an org, both integrations and a caller
# token, then working curl lines. Everything stops on Ctrl-C (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh
# shellcheck source=scripts/lib/net.sh
source scripts/lib/net.sh

BIN=${DEMO_BIN:-target/release}
DEMO_DIR=.demo
PORT=${DEMO_PORT:-8080}
SERVER_PAT=demo-server-pat
CLOUD_EMAIL=demo@example.com
CLOUD_TOKEN=demo-cloud-api-token
SERVER_USER="admin"; SERVER_PASSWORD=demo-admin-password
# OAuth 1.0a: a key pair made for the tests (it protects nothing), the consumer and a token.
OAUTH1_PRIVATE=crates/app/tests/fixtures/oauth1-test-private.pem
OAUTH1_PUBLIC=crates/app/tests/fixtures/oauth1-test-public.pem
OAUTH1_CONSUMER=jira-search-demo; OAUTH1_TOKEN=demo-oauth1-token; OAUTH1_TOKEN_SECRET=demo-oauth1-secret
OAUTH2_CLIENT=demo-client; OAUTH2_SECRET=demo-client-secret; OAUTH2_REFRESH=demo-refresh-token
CONNECT_APP=com.example.jira-search; CONNECT_SECRET=demo-connect-shared-secret

LOG_TAG=demo
ensure_pkg jq jq # reads the simulator's data below
ensure_pkg curl curl # registers the demo's OAuth app through the admin API
ensure_pkg python3 python3 # the picker page's backend (examples/picker/server.py)

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

if port_in_use "$PORT"; then
  echo "demo: port $PORT is taken; run with DEMO_PORT=<free port> make demo" >&2
  exit 1
fi
# The picker page (examples/picker) and its backend: the one origin CORS lets call the searches.
PICKER_PORT=${DEMO_PICKER_PORT:-$((PORT + 1))}
if port_in_use "$PICKER_PORT"; then PICKER_PORT=$(free_port); fi
PICKER="http://127.0.0.1:$PICKER_PORT"

rm -rf "$DEMO_DIR" && mkdir -p "$DEMO_DIR"

# Started in this shell (not in a $(...) subshell), so their PIDs reach `pids` and the EXIT
# trap stops them.
start_sim() { # flavor out-file extra-args...
  local flavor=$1 out=$2; shift 2
  "$BIN/jira-sim" --flavor "$flavor" --users 200 --projects 20 "$@" >"$out" 2>"$out.log" &
  pids+=($!)
}
base_url_of() { # out-file: the base URL jira-sim printed on its first line
  for _ in $(seq 1 100); do [[ -s "$1" ]] && break; sleep 0.05; done
  head -n 1 "$1"
}
start_sim server "$DEMO_DIR/sim-server.url" --accept-token "$SERVER_PAT" \
  --accept-basic "$SERVER_USER:$SERVER_PASSWORD" --oauth1-consumer "$OAUTH1_CONSUMER:$OAUTH1_PUBLIC" \
  --oauth1-token "$OAUTH1_TOKEN" --oauth2-client "$OAUTH2_CLIENT:$OAUTH2_SECRET:$OAUTH2_REFRESH"
start_sim cloud "$DEMO_DIR/sim-cloud.url" --accept-basic "$CLOUD_EMAIL:$CLOUD_TOKEN" \
  --connect-app "$CONNECT_APP:$CONNECT_SECRET" --oauth2-client "$OAUTH2_CLIENT:$OAUTH2_SECRET:$OAUTH2_REFRESH"
SIM_SERVER=$(base_url_of "$DEMO_DIR/sim-server.url")
SIM_CLOUD=$(base_url_of "$DEMO_DIR/sim-cloud.url")
[[ -n "$SIM_SERVER" && -n "$SIM_CLOUD" ]] || { echo "demo: jira-sim did not start" >&2; exit 1; }

export DATABASE_URL="sqlite://$DEMO_DIR/jira-search.db"
unset REDIS_URL
JS="$BIN/jira-search"
"$JS" org add demo >/dev/null
SERVER_ID=$(printf '%s\n' "$SERVER_PAT" | "$JS" integration add --org demo --provider jira_server \
  --base-url "$SIM_SERVER" --auth pat --allow-http --name "Demo Jira Server")
CLOUD_ID=$(printf '%s\n' "$CLOUD_TOKEN" | "$JS" integration add --org demo --provider jira \
  --base-url "$SIM_CLOUD" --auth basic --user "$CLOUD_EMAIL" --allow-http --name "Demo Jira Cloud")
# The other five auth methods, one integration each.
add() { printf '%s\n' "$1" | "$JS" integration add --org demo "${@:2}"; }
SERVER_BASIC_ID=$(add "$SERVER_PASSWORD" --provider jira_server --base-url "$SIM_SERVER" --auth basic \
  --user "$SERVER_USER" --name "Server, basic")
SERVER_OAUTH1_ID=$(add "$OAUTH1_TOKEN:$OAUTH1_TOKEN_SECRET" --provider jira_server --base-url "$SIM_SERVER" \
  --auth oauth1 --consumer-key "$OAUTH1_CONSUMER" --private-key-file "$OAUTH1_PRIVATE" --name "Server, OAuth 1.0a")
SERVER_OAUTH2_ID=$(add "$OAUTH2_SECRET:$OAUTH2_REFRESH" --provider jira_server --base-url "$SIM_SERVER" \
  --auth oauth2 --client-id "$OAUTH2_CLIENT" --token-url "$SIM_SERVER/rest/oauth2/latest/token" --name "Server, OAuth 2.0")
CLOUD_OAUTH2_ID=$(add "$OAUTH2_SECRET:$OAUTH2_REFRESH" --provider jira --base-url "$SIM_CLOUD" \
  --auth oauth2 --client-id "$OAUTH2_CLIENT" --token-url "$SIM_CLOUD/oauth/token" --name "Cloud, OAuth 2.0 (3LO)")
CLOUD_JWT_ID=$(add "$CONNECT_SECRET" --provider jira --base-url "$SIM_CLOUD" --auth connect-jwt \
  --client-id "$CONNECT_APP" --name "Cloud, Connect JWT")
TOKEN=$("$JS" token add --org demo)
ADMIN=$("$JS" token add --admin --name "demo backend")

# Connections on: jira-sim (Cloud) plays Atlassian's authorization server and API gateway, and
# its /_sim/return page plays the product's settings page the browser comes back to.
BASE="http://127.0.0.1:$PORT"
RETURN_URL="$SIM_CLOUD/_sim/return"
LISTEN_ADDR="127.0.0.1:$PORT" PUBLIC_URL="$BASE" CONNECT_RETURN_URLS="$RETURN_URL" \
  ATLASSIAN_AUTH_URL="$SIM_CLOUD" ATLASSIAN_API_URL="$SIM_CLOUD" CORS_ALLOWED_ORIGINS="$PICKER" \
  "$JS" serve 2>"$DEMO_DIR/jira-search.log" &
pids+=($!)
for _ in $(seq 1 100); do port_in_use "$PORT" && break; sleep 0.05; done
port_in_use "$PORT" || { cat "$DEMO_DIR/jira-search.log"; echo "demo: jira-search did not start" >&2; exit 1; }

# Something the simulators will match: the first three letters of the display name of a user
# assignable in every project, and a project id of the Server simulator.
response=$(exec 3<>"/dev/tcp/127.0.0.1/${SIM_SERVER##*:}"; printf 'GET /_sim/data HTTP/1.0\r\nHost: x\r\n\r\n' >&3; cat <&3)
sim_data=${response#*$'\r\n\r\n'} # the JSON body, after the HTTP head
sim_json() { # jq-filter: one value of the Server simulator's data, or stop
  jq -er "$1" <<<"$sim_data" || { echo "demo: no $1 in jira-sim's /_sim/data" >&2; return 1; }
}
# A user with no project list is assignable in every project.
QUERY=$(sim_json 'first(.users[] | select(.projects == [])) | .display_name[0:3]')
PROJECT=$(sim_json '.projects[0].id')
PROJECT_WORD=$(sim_json '.projects[0].name | split(" ")[0]')
ISSUE_KEY=$(sim_json '.issues[0].key')
# The second word (or the only one) of the first summary with no quote or backslash.
ISSUE_WORD=$(sim_json 'first(.issues[].summary | select(test("[\"\\\\]") | not)) | split(" ") | .[1] // .[0]')

# The Atlassian 3LO app the product registered (jira-sim knows the demo's OAuth client).
APP_ID=$(curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"kind\":\"atlassian-3lo\",\"client_id\":\"$OAUTH2_CLIENT\",\"client_secret\":\"$OAUTH2_SECRET\"}" \
  "$BASE/api/v1/apps" | jq -er .id) || { echo "demo: the admin API did not register the app" >&2; exit 1; }
CONNECT_BODY="{\"app\":$APP_ID,\"return_url\":\"$RETURN_URL\"}"
DEMO_AUTHORIZE_URL=$(curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "$CONNECT_BODY" "$BASE/api/v1/orgs/demo/connections" | jq -er .authorize_url) \
  || { echo "demo: the admin API did not start a connection" >&2; exit 1; }
# The picker page's backend: a signing key for org "demo" (the admin API shows its secret once;
# the backend keeps it in a file only it reads), then examples/picker/server.py, which mints a
# browser token for the page from it.
(umask 077 && curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"picker page"}' "$BASE/api/v1/orgs/demo/signing-keys" >"$DEMO_DIR/signing-key.json") \
  || { echo "demo: the admin API did not make a signing key" >&2; exit 1; }
python3 examples/picker/server.py --service "$BASE" --org demo --key-file "$DEMO_DIR/signing-key.json" \
  --server-integration "$SERVER_ID" --project "$PROJECT" --cloud-integration "$CLOUD_ID" \
  --field customfield_10100 --port "$PICKER_PORT" >"$DEMO_DIR/picker.out" 2>"$DEMO_DIR/picker.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$DEMO_DIR/picker.out" ]] && break; sleep 0.05; done
grep -q "listening on $PICKER/" "$DEMO_DIR/picker.out" \
  || { cat "$DEMO_DIR/picker.log"; echo "demo: the picker page's backend did not start" >&2; exit 1; }
S="$BASE/extensions/jira-server/search/demo/$SERVER_ID/"
C="$BASE/extensions/jira/search/demo/$CLOUD_ID/"
# One search per branch: "comment|url".
searches=(
  "users (assignee / reporter), instance-wide and within a project|$S?field=assignee&query=$QUERY"
  "|$S?field=assignee&query=$QUERY&project=$PROJECT"
  "|$C?field=reporter&query=$QUERY"
  "issues (externalIssue / parent), by text and by key|$S?field=externalIssue&query=$ISSUE_WORD"
  "|$C?field=parent&query=$ISSUE_KEY"
  "field autocomplete (sprints, labels, custom fields)|$S?field=sprint&query=spr"
  "|$C?field=customfield_10100&query=team"
  "projects (Jira Cloud)|$C?field=project&query=$PROJECT_WORD"
  "the other auth methods: Server basic, OAuth 1.0a, OAuth 2.0; Cloud OAuth 2.0, Connect JWT|$BASE/extensions/jira-server/search/demo/$SERVER_BASIC_ID/?field=assignee&query=$QUERY"
  "|$BASE/extensions/jira-server/search/demo/$SERVER_OAUTH1_ID/?field=assignee&query=$QUERY"
  "|$BASE/extensions/jira-server/search/demo/$SERVER_OAUTH2_ID/?field=assignee&query=$QUERY"
  "|$BASE/extensions/jira/search/demo/$CLOUD_OAUTH2_ID/?field=assignee&query=$QUERY"
  "|$BASE/extensions/jira/search/demo/$CLOUD_JWT_ID/?field=assignee&query=$QUERY"
)

cat <<MSG

jira-search is running at $BASE (SQLite file $DEMO_DIR/jira-search.db, in-process cache)
  Jira Server simulator: $SIM_SERVER  (integration $SERVER_ID: personal access token;
      $SERVER_BASIC_ID: basic; $SERVER_OAUTH1_ID: OAuth 1.0a; $SERVER_OAUTH2_ID: OAuth 2.0)
  Jira Cloud simulator:  $SIM_CLOUD  (integration $CLOUD_ID: email + API token;
      $CLOUD_OAUTH2_ID: OAuth 2.0; $CLOUD_JWT_ID: Connect JWT)
  \`jira-search integration check ID\` asks Jira who each integration's credentials are.
  caller token for org "demo": $TOKEN
  admin token (the admin API, /api/v1): $ADMIN

Try these, one per branch (AUTH holds the caller token):

  AUTH='Authorization: Bearer $TOKEN'
MSG
for entry in "${searches[@]}"; do
  comment=${entry%%|*}; url=${entry#*|}
  [[ -n "$comment" ]] && echo "  # $comment"
  echo "  curl -s -H \"\$AUTH\" '$url'"
done
cat <<MSG
  # operations
  curl -s '$BASE/readyz'
  curl -s '$BASE/metrics'

Connect a customer's Jira Cloud through Atlassian's consent page (played by jira-sim), as a
product's backend does with its admin token (docs/onboarding.md):

  ADMIN='Authorization: Bearer $ADMIN'
  curl -s -H "\$ADMIN" -H 'Content-Type: application/json' -d '$CONNECT_BODY' '$BASE/api/v1/orgs/demo/connections'

  It answers an "authorize_url". One, started now for you (valid 10 minutes, once):

  $DEMO_AUTHORIZE_URL

  Open it in a browser, type any name, click Allow: the browser lands on jira-sim's stand-in
  for the product's page ($RETURN_URL) with status=connected and the new integration_id,
  which then searches:
  curl -s -H "\$AUTH" '$BASE/extensions/jira/search/demo/INTEGRATION_ID/?field=assignee&query=$QUERY'
  curl -s -H "\$ADMIN" '$BASE/api/v1/orgs/demo/integrations'

Pickers in the browser (assignee, issue, a custom field), calling jira-search directly with a
browser token from their backend (examples/picker/server.py; CORS_ALLOWED_ORIGINS=$PICKER):

  $PICKER/

Logs: $DEMO_DIR/jira-search.log, $DEMO_DIR/picker.log.
MSG

if [[ "${DEMO_CHECK:-}" == 1 ]]; then
  # `make demo-check`: every printed search must answer 200 with a non-empty list.
  failed=0
  for entry in "${searches[@]}"; do
    url=${entry#*|}
    body=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$url")
    code=${body##*$'\n'}; body=${body%$'\n'*}
    if [[ "$code" == 200 && "$body" == '[{"value":'* ]]; then
      echo "demo-check: ok   $url"
    else
      echo "demo-check: FAIL $url -> HTTP $code $body"; failed=1
    fi
  done
  if [[ $failed == 0 ]]; then echo "demo-check: ${#searches[@]} searches answered"; fi
  # The printed connection, with curl as the browser: start it, allow at the consent page (its
  # form posts the authorize parameters back with a login and the decision), follow the
  # callback, and search through the integration it made.
  authorize=$(curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "$CONNECT_BODY" "$BASE/api/v1/orgs/demo/connections" | jq -er .authorize_url) || authorize=
  callback=; landed=; connected_id=
  if [[ -n "$authorize" ]]; then
    callback=$(curl -s -o /dev/null -w '%{redirect_url}' --data "${authorize#*\?}&login=demo&decision=allow" "${authorize%%\?*}")
  fi
  if [[ -n "$callback" ]]; then landed=$(curl -s -o /dev/null -w '%{redirect_url}' "$callback"); fi
  if [[ "$landed" == "$RETURN_URL?status=connected&org=demo&integration_id="* ]]; then
    connected_id=${landed##*integration_id=}
    body=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" \
      "$BASE/extensions/jira/search/demo/$connected_id/?field=assignee&query=$QUERY")
    code=${body##*$'\n'}; body=${body%$'\n'*}
    if [[ "$code" == 200 && "$body" == '[{"value":'* ]]; then
      echo "demo-check: ok   3LO connection -> integration $connected_id searches"
    else
      echo "demo-check: FAIL search through the connected integration -> HTTP $code $body"; failed=1
    fi
  else
    echo "demo-check: FAIL the 3LO connection: authorize=${authorize:-none} callback=${callback:-none} landed=${landed:-none}"; failed=1
  fi
  # The picker page: the page, a browser token from its backend, then what the browser does
  # with it: a CORS preflight and a search from the page's origin.
  page=$(curl -sf "$PICKER/") || page=
  if [[ "$page" == *'role="combobox"'* ]]; then echo "demo-check: ok   picker page $PICKER/"
  else echo "demo-check: FAIL the picker page $PICKER/"; failed=1; fi
  browser_token=$(curl -sf "$PICKER/token" | jq -er .token) || browser_token=
  picker_search="$S?field=assignee&query=$QUERY&project=$PROJECT"
  preflight=$(curl -s -o /dev/null -D - -X OPTIONS -H "Origin: $PICKER" \
    -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: authorization' "$picker_search")
  if [[ "$preflight" == 'HTTP/1.1 204'* && "${preflight,,}" == *"access-control-allow-origin: ${PICKER,,}"* ]]; then
    echo "demo-check: ok   CORS preflight from $PICKER"
  else
    echo "demo-check: FAIL CORS preflight from $PICKER -> ${preflight%%$'\r'*}"; failed=1
  fi
  if [[ -n "$browser_token" ]]; then
    answer=$(curl -s -D "$DEMO_DIR/picker-search.head" -w '\n%{http_code}' -H "Origin: $PICKER" \
      -H "Authorization: Bearer $browser_token" "$picker_search")
    code=${answer##*$'\n'}; body=${answer%$'\n'*}
    if [[ "$code" == 200 && "$body" == '[{"value":'* ]] && grep -qi "^access-control-allow-origin: $PICKER" "$DEMO_DIR/picker-search.head"; then
      echo "demo-check: ok   search with the picker's browser token from $PICKER"
    else
      echo "demo-check: FAIL search with the picker's browser token -> HTTP $code $body"; failed=1
    fi
  else
    echo "demo-check: FAIL no browser token from $PICKER/token"; failed=1
  fi
  exit $failed
fi

echo "Press Ctrl-C to stop."
if command -v curl >/dev/null; then
  echo
  echo "First answer (Server):"
  curl -s -H "Authorization: Bearer $TOKEN" "${searches[0]#*|}"
  echo
fi
wait "${pids[@]}"
