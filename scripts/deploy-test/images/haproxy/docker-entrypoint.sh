#!/bin/sh
# As the official image: `-flag` first means haproxy; haproxy runs in the foreground (-db)
# in master-worker mode (-W).
set -e
case "$1" in -*) set -- haproxy "$@" ;; esac
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
