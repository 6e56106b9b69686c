#!/usr/bin/env bash
# The HTTP "Hello, world" benchmark: examples/hello_world (gale, 1 reactor) against
# nginx (1 worker, `return 200 "Hello, world"`, no access log) and the seed's Tornado
# program (bench/http/tornado_hello.py on /usr/bin/python3), in interleaved rounds.
# Writes the lines to $OUT/http.txt (the servers' own output to $OUT/http-server.log,
# wrk's and strace's reports to $OUT/http-tools.log) and prints their medians and
# Gale's ratios to each peer.
#
#   bench/http/run_http.sh                      # 3 rounds, 5 s per wrk run
#   ROUNDS=1 SERVERS="nginx tornado" bench/http/run_http.sh
#   ONLY=http scripts/bench.sh                  # the same, from the bench entry
#   GALE=/path/to/hello_world bench/http/run_http.sh
#                          # any server that takes --port and --reactors
#
# Per round and server, each figure from a fresh server:
#   http_hello      wrk -t1 -c64 -d5s --latency: requests/s, p99, and requests per
#                   CPU-second of the server (user+sys over its whole life, from
#                   /usr/bin/time; for nginx the master and its worker, which the
#                   master reaps; startup_cpu_seconds tells how much of it went to
#                   starting up, e.g. Python's imports). On 2 cores wrk itself caps
#                   every fast server near the same requests/s, so efficiency is what
#                   separates them.
#   http_pipelined  the same with bench/http/pipeline.lua: 16 requests per write. No
#                   p99: wrk times a whole batch, and its coordinated-omission
#                   correction, which assumes one request per round trip, then pushes
#                   samples below the minimum it scans from (all percentiles read 0).
#   http_syscalls   strace -c -f attached to the running server (nginx: master and
#                   worker) for a 3 s wrk run, detached before the stop: syscalls per
#                   request served. strace slows everything; only the ratio counts.
#   http_idle       bench/http/idle_keepalive.py holds 10,000 keep-alive connections,
#                   each after one answered GET: resident-set growth per connection
#                   (nginx: its worker's).
#   steal_seconds   on http_hello and http_pipelined lines: the CPU time the VM's host
#                   took from this machine during the wrk run (/proc/stat). Where it is
#                   large, that round measured the host, not the servers.
# Every line says check=ok, or check=FAIL with the reasons: wrong body, non-2xx
# responses or socket errors in wrk's report, an exit status other than 0 or 143.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-3}
seconds=${HTTP_SECONDS:-5}
strace_seconds=${HTTP_STRACE_SECONDS:-3}
connections=64
idle_connections=${HTTP_IDLE_CONNECTIONS:-10000}
servers=${SERVERS:-gale nginx tornado}
out=${OUT:-bench/results}
mkdir -p "$out"

bench/http/setup.sh

failed=0

# The gale server: $GALE, or examples/hello_world built optimized. While that target
# does not exist yet (or does not build), the run goes on without gale and says so.
gale=${GALE:-}
if [[ " $servers " == *" gale "* ]] && [ -z "$gale" ]; then
  if [ -f examples/hello_world/BUILD.bazel ] || [ -f examples/hello_world/BUILD ]; then
    if bazel build -c opt //examples/hello_world; then
      gale="$(bazel info -c opt bazel-bin 2>/dev/null)/examples/hello_world/hello_world"
    else
      echo "run_http: //examples/hello_world does not build" >&2
      failed=1
    fi
  fi
fi
if [[ " $servers " == *" gale "* ]] && [ ! -x "${gale:-/nonexistent}" ]; then
  echo "run_http: SKIPPING gale: no examples/hello_world binary" \
    "(${gale:-//examples/hello_world not there yet}); measuring the peers only" >&2
  servers=$(echo " $servers " | sed 's/ gale / /g')
fi

# The servers and the idle client hold one descriptor per idle connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
open_files=$(ulimit -n)
if [ "$open_files" != unlimited ] && [ "$open_files" -lt $((idle_connections + 100)) ]; then
  echo "http_idle needs $((idle_connections + 100)) open files; ulimit -n is $open_files" >&2
  exit 1
fi
[ "$open_files" = unlimited ] && open_files=$((idle_connections * 2 + 1000))

work=$(mktemp -d "${TMPDIR:-/tmp}/run_http.XXXXXX")
server_log="$out/http-server.log"
tools_log="$out/http-tools.log"
results="$out/http.txt"
: > "$server_log"
: > "$tools_log"
: > "$results"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The state of the one server running at a time: /usr/bin/time's pid, the server's
# (its child), the processes to measure (nginx: the worker too), their problems.
time_pid=
server_pid=
measured_pids=()
time_file=
startup_cpu=0
problems=
strace_pid=

# Polls (10 ms steps, up to 10 s) until the command succeeds; fails early once
# /usr/bin/time, and so the server, has exited.
poll() {
  local what=$1
  shift
  for _ in $(seq 1000); do
    if "$@"; then
      return 0
    fi
    if ! kill -0 "$time_pid" 2>/dev/null; then
      echo "run_http: the server exited before $what; see $server_log" >&2
      return 1
    fi
    sleep 0.01
  done
  echo "run_http: no $what within 10 s" >&2
  return 1
}

child_of() {
  pgrep -o -P "$1"
}

# A probe opened and closed at once.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

nginx_conf() {
  local dir=$1 user_line="# the current user, not root: no user directive"
  if [ "$(id -u)" -eq 0 ]; then
    user_line="user $(id -un) $(id -gn);  # run as the current user, root here"
  fi
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@USER_LINE@|$user_line|" \
    -e "s|@NOFILE@|$open_files|" -e "s|@CONNECTIONS@|$((idle_connections + 1000))|" \
    bench/http/nginx.conf.template > "$dir/nginx.conf"
}

# Seconds of CPU time the host has taken from this virtual machine so far, all CPUs
# together: the "steal" column of /proc/stat (0 on bare metal).
steal_so_far() {
  awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.2f", $9 / hz}' /proc/stat
}

# User+sys seconds so far of the processes (all their threads), from /proc/PID/stat.
cpu_of() {
  local pid ticks=0
  for pid in "$@"; do
    ticks=$((ticks + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}

# Starts a fresh server NAME under /usr/bin/time on a free port, waits until it
# accepts connections, and checks that GET / answers "Hello, world".
start_server() {
  local name=$1 cmd
  port=$(free_port)
  time_file="$work/time.$port"
  problems=
  case "$name" in
    gale) cmd=("$gale" --port="$port" --reactors=1) ;;
    nginx)
      local dir="$work/nginx-$port"
      mkdir -p "$dir"
      nginx_conf "$dir"
      cmd=(/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log")
      ;;
    tornado) cmd=(/usr/bin/python3 bench/http/tornado_hello.py --port="$port") ;;
    *) echo "run_http: unknown server $name" >&2; return 1 ;;
  esac
  echo "--- ${cmd[*]}" >> "$server_log"
  /usr/bin/time -f "%U %S" -o "$time_file" "${cmd[@]}" >> "$server_log" 2>&1 &
  time_pid=$!
  poll "starting" child_of "$time_pid" >/dev/null || return 1
  server_pid=$(child_of "$time_pid")
  measured_pids=("$server_pid")
  poll "listening on port $port" port_open || return 1
  if [ "$name" = nginx ]; then
    poll "an nginx worker" child_of "$server_pid" >/dev/null || return 1
    measured_pids+=("$(child_of "$server_pid")")
  fi
  startup_cpu=$(cpu_of "${measured_pids[@]}")
  local body
  body=$(curl -s --max-time 5 "http://127.0.0.1:$port/" || true)
  if [ "$body" != "Hello, world" ]; then
    echo "run_http: $name answered GET / with '${body:0:80}'" >&2
    problems="body"
  fi
}

# SIGTERM to the server (not to /usr/bin/time), then up to 10 s to exit before
# SIGKILL. Notes an exit status other than 0 or 143 (killed by the SIGTERM itself)
# in $problems, and sets $cpu to the server's user+sys seconds.
stop_server() {
  cpu=0
  [ -n "$time_pid" ] || return 0
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
  fi
  for _ in $(seq 1000); do
    kill -0 "$time_pid" 2>/dev/null || break
    sleep 0.01
  done
  if kill -0 "$time_pid" 2>/dev/null; then
    echo "run_http: the server ignored SIGTERM for 10 s; killing it" >&2
    [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
    problems="${problems:+$problems,}ignored_sigterm"
  fi
  local status=0
  wait "$time_pid" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 143 ]; then
    echo "run_http: the server exited with status $status; see $server_log" >&2
    problems="${problems:+$problems,}exit_status_$status"
  fi
  # GNU time's last line is "%U %S" (a line before it tells of a signal, if any).
  cpu=$(tail -n 1 "$time_file" 2>/dev/null | awk 'NF == 2 {print $1 + $2; ok = 1} END {if (!ok) print 0}')
  time_pid=
  server_pid=
  measured_pids=()
}

stop_strace() {
  [ -n "$strace_pid" ] || return 0
  kill -INT "$strace_pid" 2>/dev/null || true
  wait "$strace_pid" 2>/dev/null || true
  strace_pid=
}

cleanup() {
  stop_strace
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

# Appends a line to the results; a failed line is recorded and the run goes on, so
# one bad run does not hide the others.
record() {
  if ! "$@" | tee -a "$results"; then
    failed=1
  fi
}

# A server that did not start: a failed line, so the table shows it too.
start_or_fail() {
  local name=$1 workload=$2
  if start_server "$name"; then
    return 0
  fi
  stop_server
  echo "$name $workload check=FAIL problems=did_not_start${problems:+,$problems}" |
    tee -a "$results"
  failed=1
  return 1
}

# http_hello or http_pipelined against a fresh server.
run_wrk() {
  local name=$1 workload=$2
  shift 2
  start_or_fail "$name" "$workload" || return 0
  local report="$work/wrk.out" steal_before steal
  steal_before=$(steal_so_far)
  wrk -t1 -c"$connections" -d"${seconds}s" "$@" "http://127.0.0.1:$port/" \
    > "$report" 2>&1 || problems="${problems:+$problems,}wrk_failed"
  steal=$(awk -v a="$steal_before" -v b="$(steal_so_far)" 'BEGIN {printf "%.2f", b - a}')
  stop_server
  { echo "--- $name $workload"; cat "$report"; } >> "$tools_log"
  record python3 bench/http/wrk_line.py "$report" --label="$name" --workload="$workload" \
    --connections="$connections" --seconds="$seconds" --cpu-seconds="$cpu" \
    --startup-cpu-seconds="$startup_cpu" --steal-seconds="$steal" --check-failed="$problems"
}

strace_attached() {
  [ "$(grep -c ' attached' "$work/strace.err" 2>/dev/null)" -ge "${#measured_pids[@]}" ]
}

# http_syscalls: strace -c -f attached to a running server around one wrk run.
run_syscalls() {
  local name=$1
  start_or_fail "$name" http_syscalls || return 0
  local attach=() pid
  for pid in "${measured_pids[@]}"; do
    attach+=(-p "$pid")
  done
  strace -c -f -o "$work/strace.txt" "${attach[@]}" 2> "$work/strace.err" &
  strace_pid=$!
  local calls=0 report="$work/wrk.out"
  if poll "strace attached" strace_attached; then
    wrk -t1 -c"$connections" -d"${strace_seconds}s" "http://127.0.0.1:$port/" \
      > "$report" 2>&1 || problems="${problems:+$problems,}wrk_failed"
    stop_strace
    calls=$(awk '$NF == "total" {print $4}' "$work/strace.txt")
  else
    stop_strace
    : > "$report"
    problems="${problems:+$problems,}strace_not_attached"
  fi
  stop_server
  { echo "--- $name http_syscalls"; cat "$report" "$work/strace.txt"; } >> "$tools_log"
  record python3 bench/http/wrk_line.py "$report" --label="$name" --workload=http_syscalls \
    --connections="$connections" --seconds="$strace_seconds" --syscalls="${calls:-0}" \
    --check-failed="$problems"
}

# http_idle: resident-set growth per idle keep-alive connection; for nginx its worker.
run_idle() {
  local name=$1
  start_or_fail "$name" http_idle || return 0
  local pids=() pid
  for pid in "${measured_pids[@]}"; do
    if [ "$name" != nginx ] || [ "$pid" != "$server_pid" ]; then
      pids+=(--pid="$pid")
    fi
  done
  record python3 bench/http/idle_keepalive.py --port="$port" "${pids[@]}" \
    --label="$name" --connections="$idle_connections"
  stop_server
  if [ -n "$problems" ]; then
    echo "run_http: $name http_idle: $problems" >&2
    failed=1
  fi
}

for round in $(seq "$rounds"); do
  echo "--- round $round of $rounds" >&2
  for name in $servers; do run_wrk "$name" http_hello --latency; done
  for name in $servers; do run_wrk "$name" http_pipelined -s bench/http/pipeline.lua; done
  for name in $servers; do run_syscalls "$name"; done
  for name in $servers; do run_idle "$name"; done
done

echo
echo "## HTTP hello: gale (1 reactor), nginx (1 worker), Tornado: medians of $rounds interleaved rounds"
python3 bench/summarize.py "$results" --ratios-to nginx,tornado \
  --figures req_per_sec,req_per_cpu_sec,p99_ms,syscalls_per_request,bytes_per_connection ||
  failed=1
# How much the host took during the timed runs: where it is large, ratios from those
# rounds say more about the host than about the servers.
awk '{for (i = 3; i <= NF; i++) if ($i ~ /^steal_seconds=/) {split($i, kv, "="); print kv[2]}}' \
  "$results" | sort -n | awk '{v[NR] = $1} END {if (NR) printf "\nCPU time the host took during each wrk run: min %.2f s, median %.2f s, max %.2f s (%d runs)\n", v[1], v[int((NR + 1) / 2)], v[NR], NR}'
exit "$failed"
