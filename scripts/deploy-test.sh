#!/usr/bin/env bash
# `make deploy-test`: the deployment files proven by running them, not only by reading them.
# Builds the image from the Dockerfile with Podman, then for each compose file: brings it up
# with podman-compose (pinned by tools/podman-compose/requirements.txt, in its own venv) with a
# jira-sim service added (an override written under target/deploy-test/, naming the same
# image), waits for the healthchecks, seeds an org, a Jira Server integration and a token with
# the CLI inside the service's container, searches through jira-sim with curl, recreates the
# service's container and searches again with the same token (the data survived in the
# volume), then tears the project down: containers, networks, volumes. Images stay (the next
# run is faster): `podman images --filter label=org.jira-search.deploy-test` lists the base
# images; remove them with `podman rmi`.
#
# No image registry answers on this machine, so the base images the files name are first built
# here from Debian's packages (scripts/deploy-test/base-images.sh), tagged with the names a
# user pulls; an image already there is kept (DEPLOY_TEST_REBUILD_BASE=1 or --rebuild-base
# builds them again). Podman runs with this script's own containers.conf
# (target/deploy-test/containers.conf): runc, cgroupfs, ulimits within the host's.
#
# Environment: DEPLOY_TEST_FILES (default "docker-compose.yml docker-compose.replicas.yml"),
# DEPLOY_TEST_REBUILD_BASE (0), DEPLOY_TEST_BUILD_CPUS (CPUs the image build may use, as
# podman's --cpuset-cpus; default 0, i.e. one core and one cargo job; empty: all),
# DEPLOY_TEST_HEALTH_TIMEOUT (seconds per healthcheck, default 180), DEPLOY_TEST_REUSE_IMAGE
# (1: keep the image of the last run instead of building it, when iterating on the compose
# files). Logs: target/deploy-test/.
# Not part of `make test`: it takes minutes (docs/operations.md, "Testing the deployment").
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh
# shellcheck source=scripts/lib/net.sh
source scripts/lib/net.sh
# shellcheck source=scripts/deploy-test/base-images.sh
source scripts/deploy-test/base-images.sh

LOG_TAG=deploy-test
ROOT=$PWD
OUT=$ROOT/target/deploy-test
FILES=${DEPLOY_TEST_FILES:-docker-compose.yml docker-compose.replicas.yml}
REBUILD_BASE=${DEPLOY_TEST_REBUILD_BASE:-0}
BUILD_CPUS=${DEPLOY_TEST_BUILD_CPUS-0}
HEALTH_TIMEOUT=${DEPLOY_TEST_HEALTH_TIMEOUT:-180}
REUSE_IMAGE=${DEPLOY_TEST_REUSE_IMAGE:-0}
TOOL_DIR=tools/podman-compose
VENV=$TOOL_DIR/.venv
PYTHON=${PYTHON:-python3}
IMAGE=localhost/jira-search:latest
ORG=deploy-test
PAT=deploy-test-server-pat
for arg in "$@"; do
  case "$arg" in
    --rebuild-base) REBUILD_BASE=1 ;;
    *) echo "usage: $0 [--rebuild-base]" >&2; exit 2 ;;
  esac
done
for file in $FILES; do
  [[ -f "$file" ]] || { echo "$LOG_TAG: DEPLOY_TEST_FILES names $file, which does not exist" >&2; exit 2; }
done

mkdir -p "$OUT"
rm -f "$OUT"/[0-9][0-9]-*.log
exec 3>&1 # the console; each step's output goes to its own log

# --- Steps, timed: a failed one stops the run with its log's tail --------------------------
# Each step runs as a plain command under `set -e` (not in an `||`, which would switch -e off
# inside it): a failing command ends the run, and on_exit reports the step it was in.
step_names=(); step_secs=(); step_status=(); CURRENT_STEP=; CURRENT_LOG=; CURRENT_START=
fail() { echo "$*" >&2; return 1; }
step() { # name command...: runs the command with its output in a log of its own
  CURRENT_STEP=$1; shift
  CURRENT_LOG=$OUT/$(printf '%02d' $(( ${#step_names[@]} + 1 )))-$(tr -c 'a-zA-Z0-9.\n-' '-' <<<"$CURRENT_STEP" | tr -s '-').log
  echo "$LOG_TAG: [$CURRENT_STEP]" >&3
  CURRENT_START=$EPOCHREALTIME
  "$@" >"$CURRENT_LOG" 2>&1
  step_names+=("$CURRENT_STEP"); step_secs+=("$(elapsed "$CURRENT_START")"); step_status+=(ok)
  CURRENT_STEP=
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
summary() {
  local i total=0
  echo
  echo "$LOG_TAG: summary (seconds)"
  for i in "${!step_names[@]}"; do
    printf '  %7s  %-6s  %s\n' "${step_secs[$i]}" "${step_status[$i]}" "${step_names[$i]}"
    total=$(awk -v a="$total" -v b="${step_secs[$i]}" 'BEGIN { print a + b }')
  done
  printf '  %7s          total\n' "$total"
}

# --- Podman, configured for this machine by files of this run ---------------------------------
write_podman_config() {
  cat >"$OUT/containers.conf" <<'CONF'
# Written by scripts/deploy-test.sh for its own podman calls (CONTAINERS_CONF).
[containers]
# Within this machine's limits (the defaults ask for more than the host allows).
default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
# No registry answers: every image must be here already (a clear error instead of a pull).
pull_policy = "never"
[network]
network_backend = "netavark"
CONF
  cat >"$OUT/registries.conf" <<'CONF'
# Written by scripts/deploy-test.sh: short names mean Docker Hub's, as for a Docker user.
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
CONF
  export CONTAINERS_CONF=$OUT/containers.conf CONTAINERS_REGISTRIES_CONF=$OUT/registries.conf
  # The docker image format keeps the Dockerfile's HEALTHCHECK (OCI images have none).
  export BUILDAH_FORMAT=docker
}

ensure_file() { # path package...: installs the Debian packages when path is missing
  local path=$1; shift
  [[ -e "$path" ]] && return 0
  echo "no $path; installing $* with apt-get"
  local as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq && pkg_apt_updated=1
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  [[ -e "$path" ]] || fail "$path is still missing after installing $*"
}

install_tools() {
  ensure_pkg curl curl
  ensure_pkg jq jq
  ensure_pkg podman podman
  ensure_pkg runc runc
  ensure_pkg debootstrap debootstrap
  # netavark (podman's networks, with aardvark-dns for service names) sets up NAT with iptables.
  ensure_file /usr/lib/podman/netavark netavark
  ensure_file /usr/lib/podman/aardvark-dns aardvark-dns
  ensure_pkg iptables iptables
  if [[ $(id -u) -ne 0 ]]; then ensure_pkg newuidmap uidmap; fi
  ensure_pkg "$PYTHON" python3
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "$PYTHON cannot make a venv; installing python3-venv with apt-get"
    local as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  local want have
  want=$({ "$PYTHON" --version 2>&1; cat "$TOOL_DIR/requirements.txt"; } | sha256sum | cut -d' ' -f1)
  have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
  if [[ "$want" != "$have" || ! -x "$VENV/bin/podman-compose" ]]; then
    echo "installing $TOOL_DIR/requirements.txt into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv --no-deps \
      -r "$TOOL_DIR/requirements.txt"
    "$VENV/bin/pip" check --disable-pip-version-check \
      || fail "$TOOL_DIR/requirements.txt misses a dependency"
    echo "$want" >"$VENV/.requirements.sha256"
  fi
  podman --version; "$VENV/bin/podman-compose" --version
  podman info --format 'runtime {{.Host.OCIRuntime.Name}}, cgroups {{.Host.CgroupManager}}, network {{.Host.NetworkBackend}}, storage {{.Store.GraphDriverName}}'
}

build_app_image() {
  if [[ "$REUSE_IMAGE" == 1 ]] && podman image exists "$IMAGE"; then
    echo "DEPLOY_TEST_REUSE_IMAGE=1: $IMAGE of $(podman image inspect --format '{{.Created}}' "$IMAGE") kept"
    return 0
  fi
  local cpus=()
  [[ -n "$BUILD_CPUS" ]] && cpus=(--cpuset-cpus "$BUILD_CPUS")
  build_replacing "$IMAGE" "${cpus[@]}" -f Dockerfile .
  podman image inspect --format '{{.Config.Healthcheck.Test}}' "$IMAGE" | grep -q healthcheck \
    || fail "the image has no HEALTHCHECK (built in a format without one?)"
  podman run --rm "$IMAGE" jira-search --version
}

# --- One compose project ------------------------------------------------------------------------
PROJECT=; COMPOSE_FILES=(); started=()
compose() { "$VENV/bin/podman-compose" -p "$PROJECT" --env-file "$OUT/$PROJECT.env" "${COMPOSE_FILES[@]}" "$@"; }
container_of() { # service: the project's container of it
  podman ps -a --filter "label=io.podman.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}
remember_volumes() { # every volume the project's containers mount, for the teardown
  local c
  for c in $(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
    podman inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' "$c" || true
  done | sort -u >>"$OUT/$PROJECT.volumes"
}
up() { # [option...] service...: (none: all) started detached
  remember_volumes # before too: a recreated container's anonymous volume outlives it
  compose up -d "$@"
  remember_volumes
}

# wait_healthy service...: runs each container's own healthcheck (Podman here has no systemd
# to run it on a timer) until it passes; fails early when the container stops or restarts.
wait_healthy() {
  local service c start state restarts
  for service in "$@"; do
    c=$(container_of "$service")
    [[ -n "$c" ]] || fail "no container of service $service"
    start=$SECONDS
    until podman healthcheck run "$c" >/dev/null 2>&1; do
      state=$(podman inspect --format '{{.State.Status}} {{.RestartCount}}' "$c")
      restarts=${state#* }
      if (( SECONDS - start > HEALTH_TIMEOUT )) || (( restarts >= 3 )) \
        || [[ "$state" == exited* && "$(podman inspect --format '{{.HostConfig.RestartPolicy.Name}}' "$c")" == ?(no) ]]; then
        echo "---- last log lines of $c"; podman logs --tail 30 "$c" 2>&1 || true
        fail "$service ($c) is not healthy after $(( SECONDS - start )) s: $state (status, restarts)"
      fi
      sleep 1
    done
    echo "$service healthy after $(( SECONDS - start )) s ($(podman inspect --format '{{.State.Health.Status}}' "$c"))"
  done
}

cli() { # args...: `jira-search ARGS` inside the service's container (stdin passed on)
  compose exec -T "$CLI_SERVICE" jira-search "$@" | tr -d '\r'
}

# A user of jira-sim's data the search will match (the demo's choice, scripts/demo.sh).
pick_query() {
  curl -sf "http://127.0.0.1:$SIM_PORT/_sim/data" >"$OUT/$PROJECT.sim-data.json" \
    || fail "jira-sim does not answer on 127.0.0.1:$SIM_PORT"
  QUERY=$(jq -er 'first(.users[] | select(.projects == [])) | .display_name[0:3]' "$OUT/$PROJECT.sim-data.json")
  echo "query: $QUERY"
}

seed() {
  pick_query
  cli org add "$ORG"
  INTEGRATION=$(printf '%s\n' "$PAT" | cli integration add --org "$ORG" --provider jira_server \
    --base-url http://jira-sim:8090 --auth pat --allow-http --name "deploy-test" | tail -n 1)
  [[ "$INTEGRATION" =~ ^[0-9]+$ ]] || fail "integration add printed '$INTEGRATION', not an id"
  TOKEN=$(cli token add --org "$ORG" --name deploy-test | tail -n 1)
  [[ -n "$TOKEN" ]] || fail "token add printed nothing"
  echo "org $ORG, integration $INTEGRATION, a caller token"
}

search_once() { # prints the HTTP status; the body goes to $OUT/$PROJECT.last-search.json
  curl -s -o "$OUT/$PROJECT.last-search.json" -w '%{http_code}' --max-time 20 \
    -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/extensions/jira-server/search/$ORG/$INTEGRATION/?field=assignee&query=$QUERY" || true
}
search() { # n: n searches, every one must answer 200 with a non-empty list
  local i code body
  for i in $(seq 1 "${1:-1}"); do
    code=$(search_once)
    body=$(head -c 300 "$OUT/$PROJECT.last-search.json")
    [[ "$code" == 200 && "$body" == '[{"value":'* ]] || fail "search $i: HTTP $code $body"
  done
  echo "${1:-1} search(es) answered 200: $body"
  curl -sf "http://127.0.0.1:$PORT/readyz"; echo
}

# Recreates the service's container (a new one, the same volume) and proves the data is there.
recreate() { # service...
  local before after
  before=$(podman inspect --format '{{.Id}}' "$(container_of "$1")")
  up --force-recreate --no-deps "$@"
  after=$(podman inspect --format '{{.Id}}' "$(container_of "$1")")
  [[ "$before" != "$after" ]] || fail "$1 was not recreated"
  echo "$1: container ${before:0:12} replaced by ${after:0:12}"
}

up_healthy() { # service...: started, then healthy (podman 4.3 cannot wait for service_healthy)
  up "$@"
  wait_healthy "$@"
}
data_kept() { # n: searches with the token seeded before, and the org is listed
  search "$1"
  cli org list | grep -w "$ORG"
}

teardown() { # project: containers, networks and volumes of the project; images stay
  local project=$1 v
  PROJECT=$project
  remember_volumes 2>/dev/null || true
  compose down -v -t 15 || true
  # Whatever `down` left: containers and networks by label, then the volumes they mounted.
  podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -v
  podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm
  sort -u "$OUT/$project.volumes" 2>/dev/null | while read -r v; do
    if podman volume exists "$v"; then podman volume rm -f "$v"; fi
  done
  rm -f "$OUT/$project.env" "$OUT/$project.volumes"
  [[ -z "$(podman ps -aq --filter "label=io.podman.compose.project=$project")" ]]
}

open_project() { # project file override-kind
  PROJECT=$1
  PORT=$(free_port); SIM_PORT=$(free_port); STATS_PORT=$(free_port)
  local override=$OUT/$PROJECT.override.yml
  # jira-sim as one more service of the project (the image holds /usr/local/bin/jira-sim), and
  # the published ports moved to free loopback ports (podman-compose does not interpolate
  # values under !override, so this file is written with them).
  {
    echo "# Written by scripts/deploy-test.sh for project $PROJECT: not for users."
    echo "services:"
    case "$3" in
      single) printf '  jira-search:\n    ports: !override\n      - "127.0.0.1:%s:8080"\n' "$PORT" ;;
      replicas) printf '  lb:\n    ports: !override\n      - "127.0.0.1:%s:8080"\n      - "127.0.0.1:%s:8404"\n' "$PORT" "$STATS_PORT" ;;
    esac
    cat <<YAML
  jira-sim:
    image: jira-search:latest
    command: ["jira-sim", "--flavor", "server", "--listen", "0.0.0.0:8090", "--accept-token", "$PAT", "--users", "50", "--projects", "5"]
    ports:
      - "127.0.0.1:$SIM_PORT:8090"
YAML
  } >"$override"
  (umask 077; printf 'SECRET_KEY=%s\nPOSTGRES_PASSWORD=%s\n' "$(head -c 32 /dev/urandom | base64)" \
    "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >"$OUT/$PROJECT.env")
  COMPOSE_FILES=(-f "$2" -f "$override")
  started+=("$PROJECT")
}

# --- docker-compose.yml: one service, SQLite on a named volume, Redis ---------------------------
test_single() {
  open_project jira-search-deploy-test "$1" single
  CLI_SERVICE=jira-search
  # Podman 4.3 cannot wait for service_healthy itself: what the service depends on comes first.
  step "single: redis up, healthy" up_healthy redis
  step "single: service and jira-sim up" up
  step "single: service healthy" wait_healthy jira-search
  step "single: seed (org, integration, token)" seed
  step "single: search through jira-sim" search 5
  step "single: recreate the service's container" recreate jira-search
  step "single: healthy again" wait_healthy jira-search
  step "single: data kept (same token searches)" data_kept 3
  step "single: tear down" teardown "$PROJECT"
}

# --- docker-compose.replicas.yml: three replicas on PostgreSQL and Redis, HAProxy in front ------
lb_server() { # replica: "STATUS ADDRESS" as HAProxy's CSV stats report it (columns by name)
  curl -sf "http://127.0.0.1:$STATS_PORT/stats;csv" | awk -F, -v s="$1" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "replicas" && $2 == s { print $col["status"], $col["addr"] }'
}
wait_lb_up() { # replica...: UP in HAProxy at the address of its current container
  local r start want
  for r in "$@"; do
    start=$SECONDS
    want="UP $(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(container_of "$r")"):8080"
    until [[ "$(lb_server "$r")" == "$want" ]]; do
      (( SECONDS - start < HEALTH_TIMEOUT )) \
        || fail "HAProxy does not see $r as '$want' after $HEALTH_TIMEOUT s: '$(lb_server "$r")'"
      sleep 0.5
    done
    echo "HAProxy: $r $want after $(( SECONDS - start )) s"
  done
}
spread() { # every replica served some of the searches (HAProxy's log names the server)
  local r n
  for r in "$@"; do
    n=$(podman logs "$(container_of lb)" 2>&1 | grep -c "replicas/$r " || true)
    echo "$r served $n request(s)"
    (( n > 0 )) || fail "$r served no search through the load balancer"
  done
}
search_spread() { # n: n searches through HAProxy, answered by every replica
  search "$1"
  spread "${REPLICAS[@]}"
}
all_healthy_again() {
  wait_healthy postgres "${REPLICAS[@]}"
  wait_lb_up "${REPLICAS[@]}"
}
rolling_restart() { # under load: every search through HAProxy must answer 200
  local codes=$OUT/$PROJECT.rolling.codes r total bad
  : >"$codes"
  ( while [[ ! -e "$OUT/$PROJECT.stop-load" ]]; do search_once >>"$codes"; echo >>"$codes"; done ) &
  local load=$!
  for r in "${REPLICAS[@]}"; do # as docs/operations.md, "Rolling restart"
    up --no-deps --force-recreate "$r"
    wait_healthy "$r"
    wait_lb_up "$r"
  done
  touch "$OUT/$PROJECT.stop-load"; wait "$load"; rm -f "$OUT/$PROJECT.stop-load"
  total=$(grep -c . "$codes" || true); bad=$(grep -vc '^200$' "$codes" || true)
  echo "rolling restart: $total searches during it, $bad not 200"
  (( total > 0 )) || fail "no search ran during the rolling restart"
  (( bad == 0 )) || fail "rolling restart: $bad of $total searches failed: $(sort "$codes" | uniq -c | tr '\n' ' ')"
}

test_replicas() {
  open_project jira-search-replicas-test "$1" replicas
  REPLICAS=(jira-search-1 jira-search-2 jira-search-3)
  CLI_SERVICE=jira-search-1
  step "replicas: postgres and redis up, healthy" up_healthy postgres redis
  step "replicas: replicas, load balancer and jira-sim up" up
  step "replicas: load balancer healthy" wait_healthy lb
  step "replicas: every replica healthy" wait_healthy "${REPLICAS[@]}"
  step "replicas: HAProxy sees every replica" wait_lb_up "${REPLICAS[@]}"
  step "replicas: seed through jira-search-1" seed
  step "replicas: searches through the load balancer" search_spread 12
  step "replicas: rolling restart, no failed search" rolling_restart
  step "replicas: recreate postgres (and its dependents)" recreate postgres
  step "replicas: healthy again" all_healthy_again
  step "replicas: data kept (same token searches)" data_kept 6
  step "replicas: tear down" teardown "$PROJECT"
}

on_exit() {
  local rc=$? p
  set +e
  if [[ -n "$CURRENT_STEP" ]]; then
    step_names+=("$CURRENT_STEP"); step_secs+=("$(elapsed "$CURRENT_START")"); step_status+=(FAILED)
    { echo "---- last lines of $CURRENT_LOG"; tail -n 30 "$CURRENT_LOG"; echo "----"
      echo "$LOG_TAG: FAILED at step [$CURRENT_STEP] (exit $rc); full log: $CURRENT_LOG"; } >&3
  fi
  for p in "${started[@]}"; do
    if [[ -n "$(podman ps -aq --filter "label=io.podman.compose.project=$p" 2>/dev/null)" \
      || -e "$OUT/$p.volumes" ]]; then
      echo "$LOG_TAG: tearing down $p" >&3
      COMPOSE_FILES=(-f "$(cat "$OUT/$p.file")" -f "$OUT/$p.override.yml")
      teardown "$p" >>"$OUT/teardown-on-exit.log" 2>&1
    fi
  done
  summary >&3
  if [[ $rc == 0 ]]; then echo "$LOG_TAG: passed ($FILES); logs in $OUT" >&3
  else echo "$LOG_TAG: FAILED; logs in $OUT" >&3; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

write_podman_config
step "install tools (podman, podman-compose...)" install_tools
# shellcheck disable=SC2086 # FILES is a list
step "base images from Debian" build_base_images "$REBUILD_BASE" Dockerfile $FILES
step "image from the Dockerfile" build_app_image
for file in $FILES; do
  case "$file" in
    *replicas*) echo "$file" >"$OUT/jira-search-replicas-test.file"; test_replicas "$file" ;;
    *) echo "$file" >"$OUT/jira-search-deploy-test.file"; test_single "$file" ;;
  esac
done
