#!/usr/bin/python3
"""report-summary.py: print the summary of a leakscope JSON report
(schema leakscope-report/1) as one line of ten values:
  definite_bytes definite_blocks indirect_bytes indirect_blocks
  possible_bytes possible_blocks reachable_bytes reachable_blocks
  exit_code pid
A file that is missing, is not JSON, or lacks a field gives one line on
stderr and exit status 2.
Usage: report-summary.py REPORT.json"""
import json
import sys

KINDS = ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable")


def main():
    if len(sys.argv) != 2:
        print("usage: report-summary.py REPORT.json", file=sys.stderr)
        return 2
    path = sys.argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"report-summary.py: {path}: {e}", file=sys.stderr)
        return 2
    try:
        if report["schema"] != "leakscope-report/1":
            raise ValueError(f"schema is {report['schema']!r}")
        values = []
        for kind in KINDS:
            entry = report["summary"][kind]
            for field in ("bytes", "blocks"):
                v = entry[field]
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    raise ValueError(f"summary.{kind}.{field} is {v!r}")
                values.append(v)
        for field in ("exit_code", "pid"):
            if not isinstance(report[field], int):
                raise ValueError(f"{field} is {report[field]!r}")
            values.append(report[field])
    except (KeyError, TypeError, ValueError) as e:
        print(f"report-summary.py: {path}: bad report: missing or wrong {e}", file=sys.stderr)
        return 2
    print(" ".join(str(v) for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
