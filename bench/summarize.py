#!/usr/bin/env python3
"""Reads benchmark lines in the shared format and prints medians and ratios.

Input lines look like `LIB WORKLOAD key=value ... check=ok`, several rounds of each,
from Gale and its peers in one interleaved run. Output: a Markdown table of the median
of each figure per library, and Gale's ratio to the better peer. Optionally writes an
SVG bar chart of those ratios (--svg FILE), with no plotting library needed.

    python3 bench/summarize.py results.txt --svg docs/img/reactor.svg

--split-by FIELD,... keeps apart the lines of one workload that differ in those fields
(echo_rr with connections=1 and with connections=64), and --figures KEY,... prints a row
for each of those figures a workload's lines carry instead of its one compared figure:

    python3 bench/summarize.py net.txt --split-by connections \
        --figures msgs_per_sec,mb_per_sec,p50_us,p99_us,bytes_per_connection

--ratios-to PEER,... shows, instead of the ratio to the better peer, Gale's median divided
by each named peer's (a column "gale/PEER" each), and marks the figures for which lower
is better:

    python3 bench/summarize.py http.txt --ratios-to nginx,tornado \
        --figures req_per_sec,req_per_cpu_sec,p99_ms,syscalls_per_request
"""
import argparse
import math
import collections
import statistics
import sys

# Per workload: the figure compared, and whether higher is better.
FIGURES = {
    "timers": ("sched_cancel_seconds", False),
    "idle_wakeups": ("wakeups", False),
    "fjcreation": ("actors_per_sec", True),
    "idlemem": ("bytes_per_actor", False),
    "echo_pipelined": ("mb_per_sec", True),
    "echo_idle": ("bytes_per_connection", False),
    "http_hello": ("req_per_sec", True),
    "http_pipelined": ("req_per_sec", True),
    "http_syscalls": ("syscalls_per_request", False),
    "http_idle": ("bytes_per_connection", False),
}
# Otherwise the first of these that the workload's lines carry.
DEFAULT_FIGURES = ("ops_per_sec", "msgs_per_sec")
# Figures, wherever they appear, for which lower is better (latencies, memory, time).
LOWER_IS_BETTER = {"sched_cancel_seconds", "wakeups", "bytes_per_actor", "bytes_per_connection",
                   "p50_us", "p99_us", "p999_us", "p99_ms", "syscalls_per_request",
                   "cpu_seconds", "startup_cpu_seconds"}


def figure_of(workload, runs):
    workload = workload.split()[0]  # without the --split-by fields
    if workload in FIGURES:
        return FIGURES[workload]
    for key in DEFAULT_FIGURES:
        if any(key in fields for fields in runs):
            return key, True
    return DEFAULT_FIGURES[0], True


def parse(lines, split_by=()):
    runs = collections.defaultdict(list)  # (lib, workload) -> [dict]
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or "=" not in parts[2] or "=" in parts[0]:
            continue
        fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
        workload = " ".join([parts[1]] + [f"{k}={fields[k]}" for k in split_by if k in fields])
        runs[(parts[0], workload)].append(fields)
    return runs


def median(runs, key):
    values = []
    for fields in runs:
        try:
            value = float(fields[key])
        except (KeyError, ValueError):
            continue
        if value >= 0:  # a negative figure means "not measured in-process"
            values.append(value)
    return statistics.median(values) if values else None


def fmt(value):
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 1e5:
        return f"{value / 1e6:.2f} M"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def figures_of(workload, runs, wanted):
    """The (figure, higher is better) pairs of a workload's rows: those of `wanted` its lines
    carry, or else its one compared figure."""
    present = [(key, key not in LOWER_IS_BETTER) for key in wanted
               if any(key in fields for fields in runs)]
    return present or [figure_of(workload, runs)]


def summarize(runs, wanted_figures=()):
    libs = sorted({lib for lib, _ in runs}, key=lambda l: (l != "gale", l))
    workloads = []
    for _, workload in runs:
        if workload not in workloads:
            workloads.append(workload)
    rows = []
    for workload in workloads:
        all_runs = [f for lib in libs for f in runs.get((lib, workload), [])]
        for key, higher_better in figures_of(workload, all_runs, wanted_figures):
            rows.append(row(runs, libs, workload, key, higher_better))
    return libs, rows


def row(runs, libs, workload, key, higher_better):
    """One table row: the medians of `key` per library, and Gale's ratio to the better peer."""
    medians = {lib: median(runs.get((lib, workload), []), key) for lib in libs}
    checks = all(f.get("check") == "ok" for lib in libs for f in runs.get((lib, workload), []))
    peers = [v for lib, v in medians.items() if lib != "gale" and v is not None]
    gale = medians.get("gale")
    ratio = None
    if gale is not None and peers:
        best = max(peers) if higher_better else min(peers)
        if higher_better and best > 0:
            ratio = gale / best
        elif not higher_better and gale > 0:
            ratio = best / gale
    rounds = max(len(runs.get((lib, workload), [])) for lib in libs)
    return (workload, key, medians, ratio, checks, rounds)


def markdown(libs, rows):
    # Without a "gale" line (say gale-1r against gale-2r) there is no ratio to show.
    with_ratio = "gale" in libs
    ratio_head = (" Gale vs best peer |", " ---: |") if with_ratio else ("", "")
    out = ["| workload | figure (median) | " + " | ".join(libs) + f" |{ratio_head[0]} checks |",
           "| --- | --- | " + " | ".join("---:" for _ in libs) + f" |{ratio_head[1]} --- |"]
    for workload, key, medians, ratio, checks, rounds in rows:
        ratio_text = "-" if ratio is None else f"{ratio:.2f}x"
        ratio_cell = f" {ratio_text} |" if with_ratio else ""
        out.append(f"| {workload} | {key} ({rounds} runs) | "
                   + " | ".join(fmt(medians[lib]) for lib in libs)
                   + f" |{ratio_cell} {'ok' if checks else 'FAILED'} |")
    return "\n".join(out)


def markdown_ratios_to(libs, rows, runs, peers):
    """The table with a column per named peer: Gale's median over that peer's. For a
    figure where lower is better, a ratio below 1 is Gale's advantage; the figure says so."""
    out = ["| workload | figure (median) | " + " | ".join(libs) + " | "
           + " | ".join(f"gale/{peer}" for peer in peers) + " | checks |",
           "| --- | --- | " + " | ".join("---:" for _ in libs) + " | "
           + " | ".join("---:" for _ in peers) + " | --- |"]
    for workload, key, medians, _, checks, rounds in rows:
        gale = medians.get("gale")
        cells = []
        for peer in peers:
            value = median(runs.get((peer, workload), []), key)
            cells.append(f"{gale / value:.2f}x" if gale is not None and value else "-")
        lower = ", lower is better" if key in LOWER_IS_BETTER else ""
        out.append(f"| {workload} | {key}{lower} ({rounds} runs) | "
                   + " | ".join(fmt(medians[lib]) for lib in libs) + " | "
                   + " | ".join(cells) + f" | {'ok' if checks else 'FAILED'} |")
    return "\n".join(out)


def svg(rows, title):
    """A horizontal bar chart of Gale's ratios on a log scale (1x = the better peer)."""
    bars = [(w, r) for w, _, _, r, _, _ in rows if r is not None and r > 0]
    width, bar_h, gap, left, right = 640, 22, 10, 150, 70
    height = 40 + len(bars) * (bar_h + gap) + 30
    low = math.log2(0.5)
    high = math.log2(max([r for _, r in bars] + [2.0]))
    span = width - left - right

    def x_of(ratio):
        return left + (math.log2(ratio) - low) / (high - low) * span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'font-family="sans-serif" font-size="13">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="10" y="22" font-size="15">{title}</text>']
    for i, (workload, ratio) in enumerate(bars):
        y = 40 + i * (bar_h + gap)
        color = "#2b7bb9" if ratio >= 1 else "#c0392b"
        end = x_of(ratio)
        parts.append(f'<text x="10" y="{y + 16}">{workload}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{end - left:.1f}" height="{bar_h}" fill="{color}"/>')
        parts.append(f'<text x="{end + 5:.1f}" y="{y + 16}">{ratio:.2f}x</text>')
    one = x_of(1.0)
    parts.append(f'<line x1="{one:.1f}" y1="34" x2="{one:.1f}" y2="{height - 24}" stroke="#333" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{one - 40:.1f}" y="{height - 8}">1x = best peer (log scale)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="?", type=argparse.FileType("r"), default=sys.stdin)
    parser.add_argument("--svg", help="write a bar chart of Gale's ratios here")
    parser.add_argument("--title", default="Gale vs the better peer (higher is better)")
    parser.add_argument("--split-by", default="",
                        help="comma-separated fields that tell apart lines of one workload")
    parser.add_argument("--figures", default="",
                        help="comma-separated figures to show, a row each, where present")
    parser.add_argument("--ratios-to", default="",
                        help="comma-separated peers: a column of Gale's ratio to each")
    args = parser.parse_args()
    split_by = [f for f in args.split_by.split(",") if f]
    figures = [f for f in args.figures.split(",") if f]
    ratios_to = [p for p in args.ratios_to.split(",") if p]
    runs = parse(args.results, split_by)
    libs, rows = summarize(runs, figures)
    if ratios_to:
        print(markdown_ratios_to(libs, rows, runs, ratios_to))
    else:
        print(markdown(libs, rows))
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(svg(rows, args.title))
    return 0 if all(checks for *_, checks, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
