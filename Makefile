# jira-search: the two commands a new user runs are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
# Pinned: a new cargo-deny may read deny.toml differently. Bump it here on purpose.
CARGO_DENY_VERSION := 0.20.2
# How long `make soak` runs (90s, 30m, 1h).
DURATION ?= 30m
# Seconds `make fuzz` runs each fuzz target (`make test` runs them for 30).
FUZZ_SECONDS ?= 60

.PHONY: all build release demo demo-check test lint deny fmt bench bench-callgrind soak prism schemathesis fuzz deploy-test clean

all: build

build:
	$(CARGO) build --workspace

release:
	$(CARGO) build --release --locked -p app -p jira-sim

## Build, start jira-sim (Server and Cloud) and the service, seed an org, integrations and a
## token, print working curl lines; Ctrl-C stops everything.
demo: release
	@scripts/demo.sh

## The demo, run once: every printed search must answer (used by `make test`).
demo-check:
	$(CARGO) build --workspace --bins --locked
	@DEMO_CHECK=1 DEMO_BIN=target/debug DEMO_PORT=$${DEMO_PORT:-18080} scripts/demo.sh

## Every check and every test, on a fresh machine: starts (and if needed installs) its own
## redis-server when none answers, and its own PostgreSQL cluster on a free port when none
## answers at TEST_POSTGRES_URL or 127.0.0.1:5432 (POSTGRES_PRIVATE=1: always its own;
## docs/testing.md). scripts/test.sh runs `lint`, `deny`, `demo-check` (on a free port),
## `prism` and `schemathesis` below, then the tests, then `fuzz` for 30 s per target; none of
## those targets may run `test`.
test:
	@scripts/test.sh

## Install Stoplight Prism (pinned) for the contract test; `make test` does it too.
prism:
	@scripts/prism.sh

## Schemathesis (pinned by tools/schemathesis/requirements.txt, in its own venv) against the
## debug binaries seeded with both providers and jira-sim: every operation of docs/openapi.yaml,
## all checks, with the caller token, a made-up one and none. Bounded by
## SCHEMATHESIS_MAX_EXAMPLES, SCHEMATHESIS_SEED and SCHEMATHESIS_TIME_LIMIT (docs/testing.md).
schemathesis:
	@scripts/schemathesis.sh

## Fuzz every parser facing the network (fuzz/: cargo-fuzz, pinned and installed when missing,
## on the nightly toolchain) for FUZZ_SECONDS (default 60) per target, from the committed corpus;
## fails on a crash, kept in fuzz/artifacts. FUZZ_MERGE=1 keeps new inputs in fuzz/corpus,
## FUZZ_TARGETS="a b" runs some targets only (docs/operations.md, "Fuzzing").
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

## Measure jira-search against jira-sim (both cache adapters) and rewrite docs/benchmarks.md.
bench:
	@scripts/bench.sh

## Only the instructions per request under callgrind (a cache hit against /healthz), printed;
## quick enough to run after each change while optimising (docs/benchmarks.md).
bench-callgrind:
	@scripts/bench.sh callgrind

## Run the service for DURATION (default 30m) under mixed traffic at half its measured capacity
## while faults come and go; report errors (expected, unexpected), p50/p99 per minute and the
## RSS and descriptor trend to target/soak/report.md. Not part of `make test`.
soak:
	@DURATION=$(DURATION) scripts/soak.sh

## The deployment files run for real: the image built from the Dockerfile with Podman, each of
## DEPLOY_TEST_FILES (both compose files by default) brought up with podman-compose, its
## healthchecks, a search through jira-sim, the service's container recreated with the data kept,
## then torn down. Base images are built here from Debian's packages (no registry answers);
## DEPLOY_TEST_REBUILD_BASE=1 rebuilds them. Minutes; not part of `make test`
## (docs/operations.md, "Testing the deployment").
deploy-test:
	@scripts/deploy-test.sh

## Formatting, clippy, and the domain built on its own: with tokio's `sync` feature alone, any
## I/O in it fails to compile (features of other crates are not unified in).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) check -p domain --locked

## Supply chain (deny.toml): licences, bans (wildcards, duplicates) and sources (crates.io
## only). Installs cargo-deny (pinned) when missing. No advisories: see deny.toml.
deny:
	@source scripts/lib/pkg.sh && LOG_TAG=deny ensure_cargo_tool deny cargo-deny $(CARGO_DENY_VERSION)
	$(CARGO) deny --locked check --hide-inclusion-graph licenses bans sources

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf .demo
