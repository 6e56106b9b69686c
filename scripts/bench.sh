#!/usr/bin/env bash
# Builds the benchmarks optimized and runs Gale side by side with its peers, in
# interleaved rounds on this machine, then prints medians and ratios.
#
#   scripts/bench.sh            # 3 rounds of everything
#   ROUNDS=5 scripts/bench.sh
#   SCALE=0.05 scripts/bench.sh # a quick smoke run (counts scaled down)
#   ONLY=actors scripts/bench.sh  # only the actor workloads (or ONLY=reactor)
#   ONLY=net scripts/bench.sh     # only the echo server (bench/net/run_echo.sh)
#   ONLY=http scripts/bench.sh    # only HTTP hello vs nginx and Tornado (bench/http/run_http.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
scale=${SCALE:-1.0}
only=${ONLY:-all}
out=${OUT:-bench/results}
mkdir -p "$out"

# The Savina actor workloads (../shared/bench/actor-workloads.md): Gale on 2
# reactors, CAF 0.17 on 2 worker threads, and the bare two-thread ping-pong
# over moodycamel queues that bounds pingpong_cross, interleaved. The bare
# ping-pong runs right before Gale's workloads, whose second is pingpong_cross:
# seconds apart, so that a round compares the two in one mood of the VM (its
# cross-core hop has measured anywhere from ~60 to ~400 ns within minutes).
actors() {
  bazel build -c opt //bench/actors //bench/peers:actor_peers //bench/peers:bare_pingpong
  local bin
  bin=$(bazel info -c opt bazel-bin 2>/dev/null)
  local results="$out/actors.txt"
  : > "$results"
  for round in $(seq "$rounds"); do
    echo "--- round $round of $rounds" >&2
    "$bin/bench/peers/bare_pingpong" | tee -a "$results"
    "$bin/bench/actors/actors" --reactors=2 --scale="$scale" | tee -a "$results"
    "$bin/bench/peers/actor_peers" --threads=2 --n_scale="$scale" | tee -a "$results"
  done
  echo
  echo "## Actor workloads: medians of $rounds interleaved rounds"
  python3 bench/summarize.py "$results" --svg "$out/actors.svg" \
    --title "Gale (2 reactors) vs CAF (2 threads); pingpong_cross vs bare queues"
  echo
  echo "pingpong_cross / bare, round by round: $(awk '
    $2 == "pingpong_cross" {
      for (i = 3; i <= NF; i++) if ($i ~ /^msgs_per_sec=/) { split($i, kv, "="); v = kv[2] }
      if ($1 == "bare") bare = v
      else if (bare > 0) { printf "%s%.2fx", sep, v / bare; sep = ", " }
    }' "$results")"
}

if [ "$only" = actors ]; then
  actors
  exit 0
fi

# The echo server benchmark: examples/echo_server on 1 and 2 reactors under
# //bench/net:echo_load (throughput, latency, memory per idle connection).
if [ "$only" = net ]; then
  ROUNDS=$rounds OUT=$out bench/net/run_echo.sh
  exit 0
fi

# HTTP "Hello, world": examples/hello_world against nginx and the seed's Tornado
# program under wrk (requests/s and per CPU-second, pipelined, p99, syscalls per
# request, memory per idle keep-alive connection).
if [ "$only" = http ]; then
  ROUNDS=$rounds OUT=$out bench/http/run_http.sh
  exit 0
fi

bazel build -c opt //bench/reactor //bench/peers:reactor_peers //examples/offload
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
gale="$bin/bench/reactor/reactor"
peers="$bin/bench/peers/reactor_peers"

results="$out/reactor.txt"
: > "$results"
for round in $(seq "$rounds"); do
  echo "--- round $round of $rounds" >&2
  "$gale" --scale="$scale" | tee -a "$results"
  "$peers" --n_scale="$scale" | tee -a "$results"
done

echo
echo "## Reactor micro-workloads: medians of $rounds interleaved rounds"
python3 bench/summarize.py "$results" --svg "$out/reactor.svg"

trace=$(mktemp)
trap 'rm -f "$trace"' EXIT

# Syscalls per fd_pingpong round trip (the floor is 6: 2 waits, 2 reads, 2 writes).
trips=20000
strace_scale=$(python3 -c "print($trips / 1e6)")
echo
echo "## fd_pingpong syscalls per round trip ($trips round trips, strace -c -f)"
for lib in gale asio libuv; do
  if [ "$lib" = gale ]; then
    cmd=("$gale" --workload=fd_pingpong --scale="$strace_scale")
  else
    cmd=("$peers" --workload=fd_pingpong --lib="$lib" --n_scale="$strace_scale")
  fi
  strace -f -c -o "$trace" "${cmd[@]}" >/dev/null 2>&1
  calls=$(awk '$NF ~ /^(read|write|epoll_wait|epoll_pwait|epoll_pwait2|poll|ppoll)$/ {n += $4} END {print n + 0}' "$trace")
  python3 -c "print('$lib', 'syscalls_per_round_trip=%.2f' % ($calls / $trips))"
done

# Calls to the poll during a 2 s idle period, seen from outside: the one that
# blocks (returned by the stop) and any wakeup; Gale also makes one
# non-blocking look for ready I/O before it sleeps.
echo
echo "## idle_wakeups under strace (epoll calls during a 2 s idle period)"
for lib in gale asio libuv; do
  if [ "$lib" = gale ]; then
    cmd=("$gale" --workload=idle_wakeups)
  else
    cmd=("$peers" --workload=idle_wakeups --lib="$lib")
  fi
  strace -f -c -e trace=epoll_wait,epoll_pwait,epoll_pwait2 -o "$trace" "${cmd[@]}" >/dev/null 2>&1
  calls=$(awk '$NF ~ /^epoll/ {n += $4} END {print n + 0}' "$trace")
  echo "$lib epoll_calls=$calls"
done

# The seed's long computation three ways while a 10 ms ticker runs.
echo
echo "## examples/offload: worst ticker lateness"
"$bin/examples/offload/offload"

if [ "$only" = all ]; then
  echo
  actors
  echo
  ROUNDS=$rounds OUT=$out bench/net/run_echo.sh
  echo
  ROUNDS=$rounds OUT=$out bench/http/run_http.sh
  bazel run -c opt //bench/http:route_bench
fi
