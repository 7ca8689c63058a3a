#!/usr/bin/env bash
# `make test`: lint, the supply-chain check, the demo's searches, Schemathesis against
# docs/openapi.yaml, every test of the workspace against a real Redis and a real PostgreSQL,
# then a short fuzz run (30 s per target; needs `cargo +nightly`). The lint, the supply-chain
# check (cargo-deny), the demo check, the Prism install, the Schemathesis run (pinned, in
# tools/schemathesis/.venv) and the fuzz run (cargo-fuzz, pinned) are the Makefile's own
# targets (none of them runs `make test`). Uses $REDIS_URL when it answers, else 127.0.0.1:6379
# when that answers, else starts a redis-server of its own on a free port and stops it by its
# PID on exit. redis-server is installed with apt-get when absent either way: the resilience
# tests start and kill their own. Likewise PostgreSQL (scripts/lib/postgres.sh):
# $TEST_POSTGRES_URL when it answers, else postgres://postgres@127.0.0.1:5432/postgres when
# that answers, else a private cluster (initdb in a temporary directory; Debian's postgresql
# installed with apt-get when missing) on a free port, stopped by its PID on exit;
# POSTGRES_PRIVATE=1 always starts the private one. The tests read TEST_POSTGRES_URL and create
# (and drop) a database each.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh
# shellcheck source=scripts/lib/net.sh
source scripts/lib/net.sh
# shellcheck source=scripts/lib/redis.sh
source scripts/lib/redis.sh
# shellcheck source=scripts/lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=scripts/lib/browser.sh
source scripts/lib/browser.sh

LOG_TAG="test"
# One trap for both: each cleanup runs whatever the other does (neither can end the trap).
trap 'postgres_cleanup || true; redis_cleanup || true' EXIT
redis_ensure
postgres_ensure
# The browser tests' headless Chromium: installed with apt-get when missing; exports CHROMIUM
# and CHROMEDRIVER.
browser_ensure

echo "test: formatting and lints"
make --no-print-directory lint

echo "test: supply chain (licences, bans, sources) with cargo-deny"
make --no-print-directory deny

echo "test: make demo's printed searches (one per branch) against the debug binaries"
demo_port=$(free_port)
DEMO_PORT=$demo_port make --no-print-directory demo-check

echo "test: Stoplight Prism for the contract test"
make --no-print-directory prism
export PRISM_BIN="$PWD/tools/prism/node_modules/.bin/prism"

echo "test: Schemathesis: every operation of docs/openapi.yaml, all checks, three tokens"
make --no-print-directory schemathesis

echo "test: the workspace's tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest runs no doctests: the examples in the libraries' documentation run here.
  cargo test --workspace --doc --locked
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "test: fuzzing every parser facing the network (30 s per target)"
make --no-print-directory fuzz FUZZ_SECONDS=30
