#!/bin/sh
# As the official image: `-flag` or `x.conf` first means redis-server; protected mode off so
# other containers may connect (a config file, when given, stays the first argument).
set -e
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  shift
  case "$1" in
    *.conf) conf=$1; shift; set -- redis-server "$conf" --protected-mode no "$@" ;;
    *) set -- redis-server --protected-mode no "$@" ;;
  esac
fi
exec "$@"
