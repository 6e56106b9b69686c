#!/usr/bin/env bash
# End to end, as separate processes over loopback: examples/aio_server with
# examples/aio_client (both of the seed's clients), and examples/echo_server
# with a Python client (1 MiB echoed, then a graceful SIGTERM stop).
set -euo pipefail

aio_server=$1
aio_client=$2
echo_server=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts "$@" with its output in $work/$name.log; sets $port from its first
# line that names one ("... port 1234 ..." or "...:1234 with ...").
start() {
  local name=$1
  shift
  "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  pid=$!
  for _ in $(seq 500); do
    port=$(grep -oE '(port |:)[0-9]+( |$)' "$work/$name.log" | head -1 |
           grep -oE '[0-9]+' || true)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  echo "FAIL: $name did not start:"; cat "$work/$name.log"; exit 1
}

expect_in() {  # file pattern
  grep -q -- "$2" "$1" || { echo "FAIL: no '$2' in $1:"; cat "$1"; exit 1; }
}

# --- aio_server + aio_client
start aio_server "$aio_server" --port=0 --address=127.0.0.1
aio_pid=$pid
"$aio_client" --host=127.0.0.1 --port="$port" --messages=2 --pause_ms=100 \
  --user=Ada --text='two "quoted" words' > "$work/client2.log"
"$aio_client" --host=127.0.0.1 --port="$port" --messages=1 > "$work/client1.log"
expect_in "$work/client2.log" "server answered: ok"
expect_in "$work/client1.log" "server answered: ok"
kill -TERM "$aio_pid"
wait "$aio_pid"
expect_in "$work/aio_server.log" '"send_user": "Ada"'
expect_in "$work/aio_server.log" 'two \\"quoted\\" words'
[ "$(grep -c 'Success ...' "$work/aio_server.log")" = 2 ] ||
  { echo "FAIL: expected two connections to succeed"; cat "$work/aio_server.log"; exit 1; }

# --- echo_server + a Python client, then a graceful stop
start echo_server "$echo_server" --port=0 --address=127.0.0.1 --reactors=2
echo_pid=$pid
python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
payload = bytes((i * 7) % 251 for i in range(1 << 20))
with socket.create_connection(("127.0.0.1", port)) as s:
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
assert bytes(got) == payload, f"echoed {len(got)} bytes, not the 1 MiB sent"
PY
kill -TERM "$echo_pid"
wait "$echo_pid"
expect_in "$work/echo_server.log" "stopped after 1 connections"
echo PASS
