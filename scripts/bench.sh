#!/usr/bin/env bash
# `make bench`: release build, then crates/bench measures jira-search against jira-sim with
# both cache adapters and rewrites docs/benchmarks.md. Needs a Redis: uses $REDIS_URL or
# 127.0.0.1:6379 when one answers, else starts its own (stopped by its PID on exit), and
# valgrind (installed when missing) for the instructions per request. The hot path on SQLite
# against PostgreSQL needs a PostgreSQL too (scripts/lib/postgres.sh, as for `make test`):
# $TEST_POSTGRES_URL or 127.0.0.1:5432 when one answers, else a private cluster; the bench
# creates its own database there and drops it.
# `scripts/bench.sh callgrind` (`make bench-callgrind`): that last figure alone, printed on
# stdout, no Redis, no file written.
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

LOG_TAG=bench
ensure_pkg valgrind valgrind

if [[ "${1:-}" == callgrind ]]; then
  cargo build --release --locked -p app -p jira-sim -p bench
  exec target/release/jira-search-bench callgrind --bin-dir target/release
fi

trap 'postgres_cleanup || true; redis_cleanup || true' EXIT
redis_ensure
postgres_ensure

cargo build --release --locked -p app -p jira-sim -p bench
target/release/jira-search-bench --bin-dir target/release --seconds "${BENCH_SECONDS:-5}" \
  --out docs/benchmarks.md
