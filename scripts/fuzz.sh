#!/usr/bin/env bash
# `make fuzz`: every fuzz target of fuzz/ (cargo-fuzz and libFuzzer, on the nightly toolchain)
# for FUZZ_SECONDS each (default 60), one after another in one process each, starting from the
# committed corpus fuzz/corpus/TARGET. Installs cargo-fuzz (pinned) when missing; fails with a
# clear message when `cargo +nightly` is not there (the stable toolchain stays the project's).
# Prints each target's executions (libFuzzer's log: fuzz/artifacts/TARGET.log); exits non-zero
# when any target crashed, its input kept in fuzz/artifacts/TARGET/ with the command that
# replays it. New inputs go to a scratch directory, so a run leaves the tree as it was;
# FUZZ_MERGE=1 merges those that add coverage into fuzz/corpus/TARGET (to commit).
# FUZZ_TARGETS="a b" runs only those targets. docs/operations.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh

LOG_TAG=fuzz
# Pinned: a new cargo-fuzz may build or run the targets differently. Bump it here on purpose.
CARGO_FUZZ_VERSION=0.13.2
# No sanitizer: every crate of the workspace forbids unsafe code, so AddressSanitizer could only
# watch the dependencies, at half the speed, and it reports a false ODR violation in SQLite's
# amalgamation (linked through app). Replays need the same flag, or cargo fuzz rebuilds.
FUZZ_FLAGS=(--sanitizer none)
seconds=${FUZZ_SECONDS:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds above 0, not '$seconds'" >&2
  exit 2
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain: cargo-fuzz builds with libFuzzer and coverage flags that only nightly Rust has." >&2
  echo "fuzz: install one beside the stable toolchain (which stays the project's): rustup toolchain install nightly --profile minimal" >&2
  exit 1
fi
ensure_cargo_tool fuzz cargo-fuzz "$CARGO_FUZZ_VERSION"

echo "fuzz: building the targets ($(cargo +nightly --version))"
cargo +nightly fuzz build "${FUZZ_FLAGS[@]}"

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

crashed=()
summary=()
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  if [[ ! -d "$corpus" ]]; then
    echo "fuzz: $target has no committed corpus at $corpus" >&2
    exit 1
  fi
  mkdir -p "$scratch/$target" "fuzz/artifacts/$target"
  # Beside the target's artifact directory, not in it: after a crash cargo fuzz reads every
  # file there as a failing input.
  log="fuzz/artifacts/$target.log"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  # New inputs go to the first directory (scratch); the committed corpus is only read.
  status=0
  cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$target" "$scratch/$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
  if [[ $status -ne 0 ]]; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    artifact=${artifact#"$PWD"/}
    echo "fuzz: $target CRASHED after ${execs:-?} executions (exit $status); from $log:" >&2
    # The panic's message, or libFuzzer's own verdict (timeout, out of memory, a signal).
    sed -n -e '/panicked at/,/^stack backtrace/p' -e '/^==[0-9]*== ERROR/p' -e '/^SUMMARY/p' \
      "$log" | grep -v '^stack backtrace' >&2 || true
    if [[ -n "$artifact" ]]; then
      echo "fuzz: input kept at $artifact; replay: cargo +nightly fuzz run ${FUZZ_FLAGS[*]} $target $artifact" >&2
    fi
    crashed+=("$target")
    summary+=("$(printf '%-20s %12s executions  CRASHED %s' "$target" "${execs:-?}" "${artifact:-}")")
    continue
  fi
  summary+=("$(printf '%-20s %12s executions  %s new inputs' "$target" "${execs:-?}" "${added:-0}")")
  if [[ "${FUZZ_MERGE:-0}" == 1 ]]; then
    # Only the inputs that add coverage join the committed corpus.
    cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$target" "$corpus" "$scratch/$target" -- \
      -merge=1 >>"$log" 2>&1
    echo "fuzz: $target: merged into $corpus ($(find "$corpus" -type f | wc -l) files)"
  fi
done

echo "fuzz: ${seconds}s per target:"
printf 'fuzz:   %s\n' "${summary[@]}"
if [[ ${#crashed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${crashed[*]} crashed; inputs in fuzz/artifacts/" >&2
  exit 1
fi
