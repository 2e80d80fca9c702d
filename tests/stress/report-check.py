#!/usr/bin/python3
"""report-check.py: check that leakscope JSON reports are consistent, and
print each one's summary.

For every REPORT: it parses (schema leakscope-report/1); every count is a
non-negative integer; frees never exceed allocations; in full mode it has
a leak summary, the blocks in use are allocations less frees, and the
blocks and bytes in use are the four leak kinds plus the suppressed ones;
in sample mode it has no leak summary (its leak numbers print as 0).
Prints, per report, one line: definite_bytes definite_blocks indirect_bytes indirect_blocks
possible_bytes possible_blocks reachable_bytes reachable_blocks exit_code
signal (signal: the number, or 0), in the order given.
With --no-totals the blocks and bytes in use and their identities with the
totals and the leak kinds are not checked (for a test that knows them to
be off, and says so).
Exit status 1 (with one line on stderr per problem) when a report is not
consistent, 2 on bad usage.
Usage: report-check.py [--no-totals] REPORT..."""
import json
import sys

KINDS = ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable")


def count(v, what):
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{what} is {v!r}")
    return v


def check(path, totals):
    """The summary line of one report; raises ValueError when inconsistent."""
    try:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(str(e))
    if r.get("schema") != "leakscope-report/1":
        raise ValueError(f"schema is {r.get('schema')!r}")
    try:
        t = r["totals"]
        if r["mode"] == "full":
            s = r["summary"]
            kinds = [(count(s[k]["bytes"], k + ".bytes"), count(s[k]["blocks"], k + ".blocks"))
                     for k in KINDS + ("suppressed",)]
        elif "summary" in r or r.get("leak_check"):
            raise ValueError("a sample-mode report with a leak summary")
        else:
            kinds = [(0, 0)] * 5
        allocs, frees = count(t["allocs"], "totals.allocs"), count(t["frees"], "totals.frees")
        inuse_blocks, inuse_bytes = t["inuse_blocks"], t["inuse_bytes"]
        if totals:
            count(inuse_blocks, "inuse_blocks")
            count(inuse_bytes, "inuse_bytes")
        if frees > allocs:
            raise ValueError(f"{frees} frees but {allocs} allocations")
        if r["mode"] == "full" and totals:
            if allocs - frees != inuse_blocks:
                raise ValueError(f"{allocs} allocations - {frees} frees is not the {inuse_blocks} blocks in use")
            if sum(b for _, b in kinds) != inuse_blocks or sum(n for n, _ in kinds) != inuse_bytes:
                raise ValueError(f"the leak kinds add up to {sum(n for n, _ in kinds)} bytes in "
                                 f"{sum(b for _, b in kinds)} blocks, in use: {inuse_bytes} in {inuse_blocks}")
        signal = r.get("signal") or 0
        if isinstance(signal, dict):
            signal = signal.get("number", 0)
        fields = [v for pair in kinds[:4] for v in pair] + [r["exit_code"], signal]
    except (KeyError, TypeError) as e:
        raise ValueError(f"missing or wrong {e}")
    return " ".join(str(v) for v in fields)


def main(paths):
    totals = True
    if paths and paths[0] == "--no-totals":
        totals, paths = False, paths[1:]
    if not paths:
        print("usage: report-check.py [--no-totals] REPORT...", file=sys.stderr)
        return 2
    bad = 0
    for path in paths:
        try:
            print(check(path, totals))
        except ValueError as e:
            print(f"report-check.py: {path}: {e}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
