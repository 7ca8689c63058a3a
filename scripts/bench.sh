#!/usr/bin/env bash
# `make bench`: release build, then crates/bench measures jira-search against jira-sim with
# both cache adapters and rewrites docs/benchmarks.md. Needs a Redis: uses $REDIS_URL or
# 127.0.0.1:6379 when one answers, else starts its own (stopped by its PID on exit).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh
# shellcheck source=scripts/lib/net.sh
source scripts/lib/net.sh
# shellcheck source=scripts/lib/redis.sh
source scripts/lib/redis.sh

LOG_TAG=bench
trap redis_cleanup EXIT
redis_ensure

cargo build --release --locked -p app -p jira-sim -p bench
target/release/jira-search-bench --bin-dir target/release --seconds "${BENCH_SECONDS:-5}" \
  --out docs/benchmarks.md
