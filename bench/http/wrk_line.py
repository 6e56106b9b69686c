#!/usr/bin/env python3
"""Turns one wrk run's output (with --latency) into a line of the shared format:

    LABEL WORKLOAD connections=64 seconds=5 requests=N req_per_sec=R cpu_seconds=C
        startup_cpu_seconds=S req_per_cpu_sec=N/C p99_ms=P steal_seconds=T check=ok

(p99_ms where wrk ran with --latency; steal_seconds where the caller measured it: the
CPU time a virtual machine's host took from all its CPUs during the run, which slows
both sides of the loopback and makes rounds incomparable.)

check=FAIL when wrk reports non-2xx/3xx responses or socket errors, served nothing,
or when --check-failed says the server failed a check of its own (its body, its exit).
With --syscalls=N (a run under strace) the line carries syscalls_per_request instead of
the throughput figures, which strace distorts.

    python3 bench/http/wrk_line.py wrk.out --label=nginx --workload=http_hello \
        --connections=64 --seconds=5 --cpu-seconds=4.87
"""
import argparse
import re
import sys

UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse(text):
    """The figures of a wrk report, and the reasons it fails the check."""
    figures, problems = {}, []
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+),", text, re.M)
    if m:
        figures["requests"] = int(m.group(1))
    m = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.M)
    if m:
        figures["req_per_sec"] = float(m.group(1))
    m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    if m:
        # 0 when wrk's latency correction lost its samples (see run_http.sh): -1, as
        # "not measured", which summarize.py leaves out of the median.
        figures["p99_ms"] = float(m.group(1)) * UNIT_MS[m.group(2)] or -1.0
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if m and int(m.group(1)) > 0:
        problems.append(f"non_2xx={m.group(1)}")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m and any(int(g) for g in m.groups()):
        problems.append("socket_errors=%s/%s/%s/%s" % m.groups())
    if not figures.get("requests"):
        problems.append("no_requests")
    return figures, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wrk_output", type=argparse.FileType("r"))
    parser.add_argument("--label", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=float, help="the server's user+sys CPU time")
    parser.add_argument("--startup-cpu-seconds", type=float,
                        help="the part of --cpu-seconds spent before it listened")
    parser.add_argument("--syscalls", type=int, help="the server's syscalls (strace -c)")
    parser.add_argument("--steal-seconds", type=float,
                        help="CPU time the VM's host took from this machine during the run")
    parser.add_argument("--check-failed", default="",
                        help="why the server failed a check of its own, if it did")
    args = parser.parse_args()

    figures, problems = parse(args.wrk_output.read())
    if args.check_failed:
        problems.append(args.check_failed)
    requests = figures.get("requests", 0)
    fields = [f"connections={args.connections}", f"seconds={args.seconds}",
              f"requests={requests}"]
    if args.syscalls is not None:
        per_request = args.syscalls / requests if requests else -1
        fields += [f"syscalls={args.syscalls}", f"syscalls_per_request={per_request:.2f}"]
        if args.syscalls <= 0:
            problems.append("no_syscalls_counted")
    else:
        fields.append(f"req_per_sec={figures.get('req_per_sec', 0):.0f}")
        if args.cpu_seconds is not None:
            cpu = args.cpu_seconds
            fields.append(f"cpu_seconds={cpu:.2f}")
            if args.startup_cpu_seconds is not None:
                fields.append(f"startup_cpu_seconds={args.startup_cpu_seconds:.2f}")
            fields.append(f"req_per_cpu_sec={requests / cpu:.0f}" if cpu > 0
                          else "req_per_cpu_sec=-1")
            if cpu <= 0:
                problems.append("no_cpu_time")
        if "p99_ms" in figures:  # where wrk ran with --latency
            fields.append(f"p99_ms={figures['p99_ms']:.3f}")
        if args.steal_seconds is not None:
            fields.append(f"steal_seconds={args.steal_seconds:.2f}")
    check = "ok" if not problems else "FAIL"
    line = f"{args.label} {args.workload} " + " ".join(fields) + f" check={check}"
    if problems:
        line += " problems=" + ",".join(problems)
    print(line)
    return 0 if check == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
