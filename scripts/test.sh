#!/usr/bin/env bash
# `make test`: lint, then every test of the workspace against a real Redis.
# Uses $REDIS_URL when it answers, else 127.0.0.1:6379 when that answers, else starts a
# redis-server of its own on a free port and stops it by its PID on exit. redis-server is
# installed with apt-get when absent either way: the resilience tests start and kill their own.
set -euo pipefail
cd "$(dirname "$0")/.."

LOG_TAG=test
trap 'if declare -F redis_cleanup >/dev/null; then redis_cleanup; fi' EXIT
# shellcheck source=scripts/lib/redis.sh
source scripts/lib/redis.sh

echo "test: formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "test: make demo's printed searches (one per branch) against the debug binaries"
cargo build --workspace --bins --locked
DEMO_CHECK=1 DEMO_BIN=target/debug DEMO_PORT=$(free_port) scripts/demo.sh

echo "test: Stoplight Prism for the contract test"
scripts/prism.sh
export PRISM_BIN="$PWD/tools/prism/node_modules/.bin/prism"

echo "test: the workspace's tests"
if cargo nextest --version >/dev/null 2>&1; then
  # The workspace has no doctests (nextest runs none), so nextest's summary is the last word.
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
