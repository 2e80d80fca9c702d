#!/usr/bin/python3
"""table: render bench/run.sh results (a JSON-lines file written by bench/ab.py --jsonl and
bench/run.sh) as one Markdown table per workload.

    bench/table.py RESULTS.jsonl

A row's name is WORKLOAD/TOOL; when the same (name, baseline) appears more than once, the
last line wins (a re-run replaces an earlier one). leakscope's rows come first, then the
rivals' in file order. Rows that were skipped or failed are listed with the reason. Columns:
the per-pair time ratios (median, interquartile range, min-max), the median wall time of
each side (medians taken separately), the median per-pair CPU time ratio, the median peak
RSS ratio with both medians, and the 1-minute load average before and after the row.
"""
import json
import sys


def table_fmt_ratio(x):
    return "%.2fx" % x if x < 10 else "%.1fx" % x


def table_row(r):
    tool = r["name"].split("/", 1)[1]
    if "skipped" in r:
        return "| %s | %s | not measured: %s | | | | | | |" % (tool, r["base_label"], r["skipped"])
    load = "%.1f, %.1f" % tuple(r["load"]) if "load" in r else "?"
    return "| %s | %s | **%s** | %s-%s | %s-%s | %d | %.2f s -> %.2f s | %s | %s (%.1f -> %.1f MiB) | %s |" % (
        tool, r["base_label"], table_fmt_ratio(r["ratio"]),
        table_fmt_ratio(r["p25"]), table_fmt_ratio(r["p75"]),
        table_fmt_ratio(r["min"]), table_fmt_ratio(r["max"]), r["pairs"],
        r["base_s"], r["tool_s"], table_fmt_ratio(r["cpu_ratio"]),
        table_fmt_ratio(r["rss_ratio"]), r["base_rss_kb"] / 1024.0, r["tool_rss_kb"] / 1024.0, load)


def table_main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: bench/table.py RESULTS.jsonl\n")
        return 2
    rows = {}
    try:
        with open(argv[0]) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                r = json.loads(line)
                if "/" not in r.get("name", "") or "base_label" not in r:
                    raise ValueError("line %d: no WORKLOAD/TOOL name or base_label" % n)
                rows[(r["name"], r["base_label"])] = r
    except (OSError, ValueError) as e:
        sys.stderr.write("table.py: %s: %s\n" % (argv[0], e))
        return 2
    workloads = []
    for name, _ in rows:
        w = name.split("/", 1)[0]
        if w not in workloads:
            workloads.append(w)
    for w in workloads:
        print("### %s\n" % w)
        print("| tool | vs | median time ratio | p25-p75 | min-max | pairs | median wall | CPU ratio | peak RSS ratio | load |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        mine = [r for (name, _), r in rows.items() if name.split("/", 1)[0] == w]
        mine.sort(key=lambda r: not r["name"].split("/", 1)[1].startswith("leakscope"))
        for r in mine:
            print(table_row(r))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(table_main(sys.argv[1:]))
