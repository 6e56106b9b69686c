#!/usr/bin/env bash
# The echo server benchmark: examples/echo_server on 1 and 2 reactors, driven
# by //bench/net:echo_load, in interleaved rounds. Writes the lines to
# $OUT/net.txt (the server's own output to $OUT/net-server.log) and prints
# their medians.
#
#   bench/net/run_echo.sh                       # 3 rounds, 5 s per workload
#   ROUNDS=5 NET_SECONDS=10 bench/net/run_echo.sh
#   ONLY=net scripts/bench.sh                   # the same, from the bench entry
#   SERVER=/path/to/echo LABEL=other bench/net/run_echo.sh
#                          # any echo server that takes --port and --reactors
#
# Each round starts a fresh server per reactor count and runs echo_idle first,
# so the growth of its resident set is that of a server which has held no
# other connections yet; then echo_rr (1 and 64 connections, 64 bytes) and
# echo_pipelined (64 connections, 4096 bytes).
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-3}
seconds=${NET_SECONDS:-5}
label=${LABEL:-gale}
out=${OUT:-bench/results}
idle_connections=10000
mkdir -p "$out"

if [ -z "${SERVER:-}" ]; then
  bazel build -c opt //examples/echo_server //bench/net:echo_load
else
  bazel build -c opt //bench/net:echo_load
fi
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
server=${SERVER:-$bin/examples/echo_server/echo_server}
load="$bin/bench/net/echo_load"

# Both the server and the client hold one descriptor per idle connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
open_files=$(ulimit -n)
if [ "$open_files" != unlimited ] && [ "$open_files" -lt $((idle_connections + 100)) ]; then
  echo "echo_idle needs $((idle_connections + 100)) open files; ulimit -n is $open_files" >&2
  exit 1
fi

server_pid=
server_log="$out/net-server.log"
: > "$server_log"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls until the server accepts a connection (a probe opened and closed at
# once), or fails if it exits first or takes more than 10 s.
wait_for_port() {
  local port=$1
  for _ in $(seq 1000); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited before listening; see $server_log" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.01
  done
  echo "the server did not listen on port $port within 10 s" >&2
  return 1
}

start_server() {
  local reactors=$1
  port=$(free_port)
  echo "--- $server --port=$port --reactors=$reactors" >> "$server_log"
  "$server" --port="$port" --reactors="$reactors" >> "$server_log" 2>&1 &
  server_pid=$!
  wait_for_port "$port"
}

# SIGTERM, then up to 10 s to exit before SIGKILL. Reports an exit status
# other than 0 or 143 (killed by the SIGTERM itself).
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "the server ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  local status=0
  wait "$server_pid" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 143 ]; then
    echo "the server exited with status $status; see $server_log" >&2
    failed=1
  fi
  server_pid=
}
trap stop_server EXIT

failed=0
results="$out/net.txt"
: > "$results"

# One echo_load run, its line appended to the results; a failure is recorded
# and the run goes on, so one bad workload does not hide the others.
run_load() {
  if ! "$load" --port="$port" --label="$label-${reactors}r" --seconds="$seconds" "$@" |
    tee -a "$results"; then
    failed=1
  fi
}

for round in $(seq "$rounds"); do
  echo "--- round $round of $rounds" >&2
  for reactors in 1 2; do
    if ! start_server "$reactors"; then
      failed=1
      stop_server
      continue
    fi
    run_load --mode=idle --connections="$idle_connections" --message_bytes=64 \
      --server_pid="$server_pid"
    run_load --mode=request_response --connections=1 --message_bytes=64
    run_load --mode=request_response --connections=64 --message_bytes=64
    run_load --mode=pipelined --connections=64 --message_bytes=4096
    stop_server
  done
done

echo
echo "## Echo server, 1 and 2 reactors: medians of $rounds interleaved rounds"
python3 bench/summarize.py "$results" --split-by connections \
  --figures msgs_per_sec,mb_per_sec,p50_us,p99_us,p999_us,bytes_per_connection ||
  failed=1
exit "$failed"
