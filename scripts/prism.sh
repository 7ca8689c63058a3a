#!/usr/bin/env bash
# Installs Stoplight Prism (pinned by tools/prism/package-lock.json) for the contract test, with
# the machine's Node.js and npm (installed from Debian when missing). Prints nothing else on
# success; `make test` runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/pkg.sh
source scripts/lib/pkg.sh

LOG_TAG=prism
ensure_pkg node nodejs
ensure_pkg npm npm

want=$(node -p 'require("./tools/prism/package.json").dependencies["@stoplight/prism-cli"]')
have=$(tools/prism/node_modules/.bin/prism --version 2>/dev/null || true)
if [[ "$have" != "$want" ]]; then
  echo "prism: installing @stoplight/prism-cli $want into tools/prism"
  (cd tools/prism && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "prism: $(tools/prism/node_modules/.bin/prism --version) at tools/prism/node_modules/.bin/prism"
