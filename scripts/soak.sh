#!/usr/bin/env bash
# `make soak DURATION=30m`: release build, then `jira-search-bench soak` runs jira-search
# (SQLite, Redis) against two jira-sims for DURATION at half of its measured capacity while it
# injects faults (Jira 429, 5xx and timeouts, Redis restarts, token revocations, integrations
# disabled and enabled), and writes its report to target/soak/report.md (SOAK_OUT to change).
# It starts and restarts a redis-server of its own (installed with apt-get when missing) and
# stops everything it started by PID. Exits non-zero when any answer was unexpected.
# Extra flags for the soak tool: SOAK_ARGS (e.g. "--fraction 0.25" or "--rate 1000").
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh

LOG_TAG=soak
ensure_pkg redis-server redis-server

cargo build --release --locked -p app -p jira-sim -p bench
# shellcheck disable=SC2086 # SOAK_ARGS is a list of flags
exec target/release/jira-search-bench soak --bin-dir target/release \
  --duration "${DURATION:-30m}" --out "${SOAK_OUT:-target/soak/report.md}" ${SOAK_ARGS:-}
