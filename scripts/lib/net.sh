# shellcheck shell=bash
# Loopback ports (sourced, not run: defines functions only).

# port_in_use PORT [HOST]: does something accept connections at HOST (127.0.0.1) PORT?
# (A subshell keeps fd 3 and the error message local.)
port_in_use() {
  (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# free_port: prints a port of 127.0.0.1 (20000 to 39999) where nothing listens.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! port_in_use "$port"; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}
