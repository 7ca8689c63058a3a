# jira-search: the two commands a new user runs are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
# Pinned: a new cargo-deny may read deny.toml differently. Bump it here on purpose.
CARGO_DENY_VERSION := 0.20.2

.PHONY: all build release demo demo-check test lint deny fmt bench prism clean

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
## redis-server when none answers. scripts/test.sh runs `lint`, `deny`, `demo-check` (on a
## free port) and `prism` below, then the tests; none of those targets may run `test`.
test:
	@scripts/test.sh

## Install Stoplight Prism (pinned) for the contract test; `make test` does it too.
prism:
	@scripts/prism.sh

## Measure jira-search against jira-sim (both cache adapters) and rewrite docs/benchmarks.md.
bench:
	@scripts/bench.sh

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
