#!/usr/bin/env bash
# A private MariaDB instance in a folder: no systemd, no containers.
#
# CLI:
#   mariadb.sh start  DIR [PORT]   initialise DIR on first use, start the server
#                                  in the background, wait until it answers,
#                                  print its admin URL. PORT 0 or absent: reuse
#                                  DIR/port if it is still free, else pick a free
#                                  loopback port. Starting a running instance
#                                  just prints its URL.
#   mariadb.sh stop   DIR          SIGTERM, wait up to 20 s for the exit.
#   mariadb.sh status DIR          "running pid=P port=N" (exit 0) or "stopped"
#                                  (exit 3).
#   mariadb.sh sql    DIR [STMT] [CLIENT_ARGS...]
#                                  run STMT (or stdin when STMT is absent or
#                                  "-") as root over the socket.
#   mariadb.sh url    DIR          print the admin URL.
#
# Library: `source mariadb.sh` defines mariadb_start, mariadb_stop,
# mariadb_status, mariadb_sql, mariadb_url and mariadb_is_running with the
# same arguments, and does nothing else.
#
# Files in DIR: data/ (datadir), tmp/ (tmpdir), mysqld.pid, mariadb.log, port, socket (the
# socket's path: DIR/mysqld.sock, or a path under /tmp when DIR is too long for
# a unix socket), root.password (mode 600), url
# (mysql://root:<pw>@127.0.0.1:<port>/, password percent-encoded).
#
# Buffer pool: MARIADB_BUFFER_POOL_SIZE (default 1G, InnoDB's own default of
# 128M is outgrown by the order search index within days of calls).
# Threads: MARIADB_THREAD_HANDLING (default pool-of-threads; or
# one-thread-per-connection, MariaDB's own default).
#
# Root's password: MARIADB_ROOT_PASSWORD when set at initialisation, else a
# random one; either way it is kept in DIR/root.password. Root may log in over
# the socket, from 127.0.0.1 and from ::1. The server binds 127.0.0.1 only,
# speaks utf8mb4 (utf8mb4_unicode_ci) and resolves no host names. Run as root
# (as CI does) it runs with --user=root.

_mariadb_die() {
  echo "mariadb.sh: $*" >&2
  return 1
}

_mariadb_bin() {
  # Debian puts mariadbd in /usr/sbin, which a normal user's PATH may lack.
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
    if [[ -x /usr/sbin/$name ]]; then
      echo "/usr/sbin/$name"
      return 0
    fi
  done
  _mariadb_die "none of [$*] found; install mariadb-server and mariadb-client"
}

_mariadb_abs() { realpath -m -- "$1"; }

_mariadb_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    if _mariadb_port_free "$port"; then
      echo "$port"
      return 0
    fi
  done
  _mariadb_die "no free loopback port found"
}

_mariadb_port_free() {
  # True when nothing listens on 127.0.0.1:$1.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_mariadb_random_password() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

_mariadb_urlencode() {
  local LC_ALL=C s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9._~-]) out+="$c" ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  echo "$out"
}

_mariadb_sql_quote() {
  # Single-quoted SQL string literal.
  local s="${1//\\/\\\\}"
  echo "'${s//\'/\'\'}'"
}

_mariadb_socket() {
  local dir="$1"
  if [[ -f $dir/socket ]]; then
    cat "$dir/socket"
  else
    echo "$dir/mysqld.sock"
  fi
}

_mariadb_pid() {
  local dir="$1" pid
  [[ -f $dir/mysqld.pid ]] || return 1
  pid=$(cat "$dir/mysqld.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid.
  grep -q mariadbd "/proc/$pid/cmdline" 2>/dev/null || grep -q mysqld "/proc/$pid/cmdline" 2>/dev/null ||
    return 1
  echo "$pid"
}

mariadb_is_running() {
  local dir
  dir=$(_mariadb_abs "${1:?usage: mariadb_is_running DIR}")
  _mariadb_pid "$dir" >/dev/null
}

_mariadb_admin() {
  # mariadb-admin as root over the socket; the password, if any, through the
  # environment so it never shows up in ps.
  local dir="$1"
  shift
  local admin pw=""
  admin=$(_mariadb_bin mariadb-admin mysqladmin) || return 1
  [[ -f $dir/root.password ]] && pw=$(cat "$dir/root.password")
  MYSQL_PWD="$pw" "$admin" --no-defaults --socket="$(_mariadb_socket "$dir")" --user=root \
    --connect-timeout=2 "$@"
}

_mariadb_write_url() {
  local dir="$1" port pw
  port=$(cat "$dir/port")
  pw=$(cat "$dir/root.password")
  echo "mysql://root:$(_mariadb_urlencode "$pw")@127.0.0.1:${port}/" >"$dir/url.tmp"
  chmod 600 "$dir/url.tmp"
  mv -f "$dir/url.tmp" "$dir/url"
}

mariadb_url() {
  local dir
  dir=$(_mariadb_abs "${1:?usage: mariadb_url DIR}")
  [[ -f $dir/url ]] || _mariadb_die "$dir has no url; start it first" || return 1
  cat "$dir/url"
}

_mariadb_log_tail() {
  local dir="$1"
  echo "---- last lines of $dir/mariadb.log ----" >&2
  tail -n 30 "$dir/mariadb.log" >&2 2>/dev/null || true
  echo "----" >&2
}

mariadb_start() {
  local dir port="${2:-0}"
  dir=$(_mariadb_abs "${1:?usage: mariadb_start DIR [PORT]}")
  [[ $port =~ ^[0-9]+$ ]] || _mariadb_die "bad port '$port'" || return 1
  mkdir -p "$dir" || return 1

  if mariadb_is_running "$dir"; then
    _mariadb_write_url "$dir" || return 1
    cat "$dir/url"
    return 0
  fi

  local mariadbd install_db
  mariadbd=$(_mariadb_bin mariadbd mysqld) || return 1
  install_db=$(_mariadb_bin mariadb-install-db mysql_install_db) || return 1
  local user_args=()
  [[ $EUID -eq 0 ]] && user_args=(--user=root)

  # Unix socket paths are limited to 108 bytes.
  local socket="$dir/mysqld.sock"
  if ((${#socket} > 100)); then
    socket="/tmp/hotline-mariadb-$(echo -n "$dir" | md5sum | cut -c1-12).sock"
  fi
  echo "$socket" >"$dir/socket"

  local explicit_port=0
  [[ $port -ne 0 ]] && explicit_port=1
  if [[ $port -eq 0 && -f $dir/port ]]; then
    port=$(cat "$dir/port")
    _mariadb_port_free "$port" || port=0
  fi
  if [[ $port -eq 0 ]]; then
    port=$(_mariadb_free_port) || return 1
  fi

  local fresh=0
  if [[ ! -d $dir/data/mysql ]]; then
    fresh=1
    rm -rf "$dir/data" "$dir/root.password" "$dir/url"
    mkdir -p "$dir/tmp"
    # A private tmpdir: bootstraps running side by side clash in /tmp.
    if ! "$install_db" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      "${user_args[@]}" >"$dir/install.log" 2>&1; then
      cat "$dir/install.log" >&2
      _mariadb_die "mariadb-install-db failed for $dir/data"
      return 1
    fi
  fi

  local attempt launched
  for attempt in 1 2 3; do
    rm -f "$dir/mysqld.pid"
    mkdir -p "$dir/tmp"
    local log_start
    log_start=0
    [[ -f $dir/mariadb.log ]] && log_start=$(wc -l <"$dir/mariadb.log")
    # setsid + redirections: the server must not hold the caller's terminal
    # or pipes (ctest waits for those to close) nor die with its process
    # group. The thread pool serves the services' many short statements with
    # fewer thread wake-ups than a thread per connection, and InnoDB flushes
    # each dirty page alone (on SSDs and virtual disks writing a page's
    # neighbours with it is wasted work; MySQL 8's default): each about 0.4 ms
    # less CPU per order in the pipeline benchmark (docs/performance.md).
    setsid "$mariadbd" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" \
      --socket="$socket" --pid-file="$dir/mysqld.pid" --log-error="$dir/mariadb.log" \
      --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size="${MARIADB_BUFFER_POOL_SIZE:-1G}" \
      --thread-handling="${MARIADB_THREAD_HANDLING:-pool-of-threads}" \
      --innodb-flush-neighbors=0 \
      "${user_args[@]}" </dev/null >>"$dir/mariadb.log" 2>&1 &
    launched=$!

    local deadline=$((SECONDS + 30)) exited=0
    until _mariadb_admin "$dir" ping >/dev/null 2>&1; do
      if ! kill -0 "$launched" 2>/dev/null && ! mariadb_is_running "$dir"; then
        exited=1
        break
      fi
      if ((SECONDS >= deadline)); then
        _mariadb_log_tail "$dir"
        _mariadb_die "mariadbd did not answer within 30 s (datadir $dir/data, port $port)"
        return 1
      fi
      sleep 0.1
    done
    ((exited)) || break
    # A port picked here may have been taken in the meantime: pick another.
    if ((!explicit_port && attempt < 3)) &&
      tail -n +"$((log_start + 1))" "$dir/mariadb.log" | grep -q "Bind on TCP/IP port"; then
      port=$(_mariadb_free_port) || return 1
      continue
    fi
    _mariadb_log_tail "$dir"
    _mariadb_die "mariadbd exited during start-up (datadir $dir/data, port $port)"
    return 1
  done
  # The pid file is written before the server accepts connections.
  [[ -f $dir/mysqld.pid ]] || echo "$launched" >"$dir/mysqld.pid"
  echo "$port" >"$dir/port"

  if ((fresh)) || [[ ! -f $dir/root.password ]]; then
    local pw="${MARIADB_ROOT_PASSWORD:-}"
    [[ -n $pw ]] || pw=$(_mariadb_random_password)
    local q
    q=$(_mariadb_sql_quote "$pw")
    # Fresh root has no password; a datadir whose password file was lost can
    # only be repaired by hand.
    local mariadb_client
    mariadb_client=$(_mariadb_bin mariadb mysql) || return 1
    if ! "$mariadb_client" --no-defaults --socket="$socket" --user=root -e "SELECT 1" \
      >/dev/null 2>&1; then
      _mariadb_die "$dir/root.password is missing and root needs a password; remove $dir to start afresh"
      return 1
    fi
    if ! "$mariadb_client" --no-defaults --socket="$socket" --user=root <<SQL; then
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'root'@'::1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY $q;
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY $q;
ALTER USER 'root'@'::1' IDENTIFIED BY $q;
DELETE FROM mysql.global_priv
  WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1'));
FLUSH PRIVILEGES;
SQL
      _mariadb_die "could not set root's password"
      return 1
    fi
    (
      umask 077
      echo -n "$pw" >"$dir/root.password"
    )
  fi
  _mariadb_write_url "$dir" || return 1
  cat "$dir/url"
}

mariadb_stop() {
  local dir pid
  dir=$(_mariadb_abs "${1:?usage: mariadb_stop DIR}")
  if ! pid=$(_mariadb_pid "$dir"); then
    echo "not running ($dir)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "mariadb.sh: mariadbd (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  rm -f "$dir/mysqld.pid"
  echo "stopped ($dir)"
}

mariadb_status() {
  local dir pid
  dir=$(_mariadb_abs "${1:?usage: mariadb_status DIR}")
  if pid=$(_mariadb_pid "$dir"); then
    echo "running pid=$pid port=$(cat "$dir/port" 2>/dev/null) datadir=$dir/data"
    return 0
  fi
  echo "stopped ($dir)"
  return 3
}

mariadb_sql() {
  local dir
  dir=$(_mariadb_abs "${1:?usage: mariadb_sql DIR [STATEMENT] [CLIENT_ARGS...]}")
  shift
  mariadb_is_running "$dir" || _mariadb_die "no server running in $dir" || return 1
  local client pw=""
  client=$(_mariadb_bin mariadb mysql) || return 1
  [[ -f $dir/root.password ]] && pw=$(cat "$dir/root.password")
  local stmt="-"
  if (($# > 0)); then
    stmt="$1"
    shift
  fi
  if [[ $stmt == "-" ]]; then
    MYSQL_PWD="$pw" "$client" --no-defaults --socket="$(_mariadb_socket "$dir")" --user=root "$@"
  else
    MYSQL_PWD="$pw" "$client" --no-defaults --socket="$(_mariadb_socket "$dir")" --user=root "$@" \
      -e "$stmt"
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  cmd="${1:-}"
  shift || true
  case "$cmd" in
    start | stop | status | sql | url)
      [[ $# -ge 1 ]] || {
        echo "usage: $0 $cmd DIR ..." >&2
        exit 2
      }
      "mariadb_$cmd" "$@"
      ;;
    *)
      sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
fi
