# shellcheck shell=bash
# Installing what the scripts need, in one place (sourced, not run: defines functions only).
# Every script that needs a program it may have to install calls `ensure_pkg` (`apt_install`
# when the program is not on PATH).

# ensure_pkg COMMAND PACKAGE...: when COMMAND is not on PATH, installs the Debian PACKAGE(s)
# with apt-get (through sudo when not root; `apt-get update` once per script run), then checks
# that COMMAND is there. Does nothing when COMMAND is already there. Messages start with
# "$LOG_TAG:" (set by the calling script).
ensure_pkg() {
  local command=$1; shift
  if command -v "$command" >/dev/null 2>&1; then return 0; fi
  echo "${LOG_TAG:-pkg}: no $command; installing $* with apt-get"
  apt_install "$@" || return 1
  if ! command -v "$command" >/dev/null 2>&1; then
    echo "${LOG_TAG:-pkg}: $command is still missing after installing $*" >&2
    return 1
  fi
}

# apt_install PACKAGE...: installs the Debian PACKAGE(s) with apt-get (through sudo when not
# root; `apt-get update` once per script run). For a package whose programs are not on PATH
# (postgresql's are in /usr/lib/postgresql/*/bin); anything else goes through ensure_pkg.
apt_install() {
  local as_root=()
  if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
  if [[ -z "${pkg_apt_updated:-}" ]]; then
    "${as_root[@]}" apt-get update -qq || return 1
    pkg_apt_updated=1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_cargo_tool COMMAND CRATE VERSION: when `cargo COMMAND --version` does not print
# VERSION, installs CRATE at exactly VERSION with `cargo install --locked` (its own
# Cargo.lock, so the build does not pick up newer dependencies), then checks again. Does
# nothing when that version is already installed. Messages start with "$LOG_TAG:".
ensure_cargo_tool() {
  local command=$1 crate=$2 version=$3
  if cargo "$command" --version 2>/dev/null | grep -qF " $version"; then return 0; fi
  echo "${LOG_TAG:-pkg}: no cargo $command $version; installing $crate $version with cargo install (a few minutes)"
  cargo install --locked --quiet "$crate" --version "$version" || return 1
  if ! cargo "$command" --version 2>/dev/null | grep -qF " $version"; then
    echo "${LOG_TAG:-pkg}: cargo $command $version is still missing after installing $crate" >&2
    return 1
  fi
}
