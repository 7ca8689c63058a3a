#!/usr/bin/env bash
# Installs Stoplight Prism (pinned by tools/prism/package-lock.json) for the contract test, with
# the machine's Node.js and npm (installed from Debian when missing). Prints nothing else on
# success; `make test` runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "prism: no Node.js; installing nodejs and npm with apt-get"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm >/dev/null
fi
want=$(sed -n 's/.*"@stoplight\/prism-cli": "\([^"]*\)".*/\1/p' tools/prism/package.json)
have=$(tools/prism/node_modules/.bin/prism --version 2>/dev/null || true)
if [[ "$have" != "$want" ]]; then
  echo "prism: installing @stoplight/prism-cli $want into tools/prism"
  (cd tools/prism && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "prism: $(tools/prism/node_modules/.bin/prism --version) at tools/prism/node_modules/.bin/prism"
