# shellcheck shell=bash
# A headless Chromium and its chromedriver for the browser tests (crates/browser, used by
# crates/app's browser flows). Sourced, not run: defines functions only. Needs
# scripts/lib/pkg.sh (ensure_pkg) sourced too. A caller does, under `set -euo pipefail`:
#
#   browser_ensure          # in the script's own shell, never in $(...): it exports variables
#
# Messages start with "$LOG_TAG:" (set by the calling script).

# browser_ensure: exports CHROMIUM and CHROMEDRIVER naming a chromium and its chromedriver
# for the tests (crates/browser reads both). Keeps either variable when it already names an
# executable (a developer's own build); otherwise installs Debian's `chromium` and
# `chromium-driver` with apt-get when `chromium` or `chromedriver` is missing (/usr/bin is on
# PATH; the first install downloads about 100 MB) and uses those.
browser_ensure() {
  local tag=${LOG_TAG:-browser} started=$SECONDS
  if [[ ! -x "${CHROMIUM:-}" || ! -x "${CHROMEDRIVER:-}" ]]; then
    # One apt-get run installs both when either is missing (chromium-driver depends on the
    # chromium of its very version); the second call then finds its command and does nothing.
    ensure_pkg chromedriver chromium chromium-driver || return 1
    ensure_pkg chromium chromium chromium-driver || return 1
    if (( SECONDS - started > 1 )); then
      echo "$tag: chromium and chromium-driver installed in $((SECONDS - started)) s"
    fi
  fi
  [[ -x "${CHROMIUM:-}" ]] || CHROMIUM=$(command -v chromium)
  [[ -x "${CHROMEDRIVER:-}" ]] || CHROMEDRIVER=$(command -v chromedriver)
  export CHROMIUM CHROMEDRIVER
  if ! "$CHROMEDRIVER" --version >/dev/null 2>&1; then
    echo "$tag: $CHROMEDRIVER does not run" >&2
    return 1
  fi
  echo "$tag: browser tests use $CHROMIUM and $("$CHROMEDRIVER" --version | head -n 1)"
}
