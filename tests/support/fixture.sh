#!/usr/bin/env bash
# The shared test MariaDB of one ctest run (see CMakeLists.txt here).
#   fixture.sh start MARIADB_SH DIR URL_FILE
#   fixture.sh stop  MARIADB_SH DIR
# With HOTLINE_TEST_MYSQL set (an admin URL such as
# mysql://root:pw@127.0.0.1:3306/) no server is started or stopped: the URL is
# written to URL_FILE and tests run against that server.
set -euo pipefail
cmd="$1" mariadb_sh="$2" dir="$3"
case "$cmd" in
  start)
    url_file="$4"
    mkdir -p "$(dirname "$url_file")" "$dir"
    if [[ -n ${HOTLINE_TEST_MYSQL:-} ]]; then
      echo "using HOTLINE_TEST_MYSQL; no private server started"
      echo "$HOTLINE_TEST_MYSQL" >"$url_file"
      touch "$dir/.external"
      exit 0
    fi
    rm -f "$dir/.external"
    url=$(bash "$mariadb_sh" start "$dir")
    if [[ "$(realpath -m "$url_file")" != "$(realpath -m "$dir/url")" ]]; then
      echo "$url" >"$url_file"
    fi
    bash "$mariadb_sh" status "$dir"
    ;;
  stop)
    if [[ -f $dir/.external ]]; then
      echo "external server (HOTLINE_TEST_MYSQL): nothing to stop"
      exit 0
    fi
    bash "$mariadb_sh" stop "$dir"
    ;;
  *)
    echo "usage: $0 start|stop MARIADB_SH DIR [URL_FILE]" >&2
    exit 2
    ;;
esac
