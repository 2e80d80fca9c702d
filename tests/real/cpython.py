#!/usr/bin/python3
"""cpython.py: run modules of CPython's own test suite (Debian's
libpython3.11-testsuite) plainly, under `leakscope run` in full mode, in
full mode with --trace-children and in sample mode, and compare the status
of every test.

Each module runs as `PYTHONMALLOC=malloc /usr/bin/python3 -m test
--junit-xml FILE test_MODULE` (the per-test results come from the XML: ok,
skipped, failure or error), with the same environment in every run.  Every
test's status and the exit status of the whole run must equal the plain
run's, unless cpython-known.txt lists the test with the reason (a test
that fails or varies without leakscope too, or a known open bug).
leakscope's own output goes to a --log-file per process; the number of
its reports and warnings is shown.

Usage: cpython.py [--fast] [-j N] [--table FILE] [--keep DIR] [MODULE...]
  --fast        only the FAST modules (the subset make test runs)
  -j N          run N modules at a time (default 1)
  --table FILE  write the results as a Markdown table to FILE
  --keep DIR    work in DIR (kept) instead of a temporary directory
  MODULE...     these modules (names without test_) instead of MODULES
Environment: LEAKSCOPE (the command).
Exit status: 0 when every test agrees (or differs as known), 1 when one
does not, 2 on bad usage; 77 when the test suite is not installed.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"
SUITE = "/usr/lib/python3.11/test/regrtest.py"

# The 45 modules of issue 11.  socket's VSOCK tests hang without leakscope
# too: IGNORE leaves them out.
MODULES = ("dict list set tuple unicode bytes json re threading thread subprocess signal mmap os posix "
           "ctypes gc weakref itertools collections functools socket select selectors zlib bz2 lzma "
           "hashlib pickle struct array decimal math datetime io fileio tempfile multiprocessing_fork "
           "concurrent_futures asyncio faulthandler resource sys traceback unittest").split()
FAST = ("struct", "select", "posix")
IGNORE = {"socket": ["*VSOCK*"]}
MODES = ("plain", "full", "children", "sample")
TIMEOUT = 3600


def load_known(path):
    """cpython-known.txt: 'TEST_ID MODE|any reason...' lines (# comments);
    TEST_ID is the test's junit name (test.test_os.FileTests.test_write) or
    MODULE:status for a module's exit status."""
    known = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(None, 2)
            if len(words) < 3 or words[1] not in MODES + ("any",):
                raise ValueError(f"{path}:{n}: want TEST_ID MODE|any REASON")
            known[(words[0], words[1])] = words[2]
    return known


def test_statuses(path):
    """{test id: ok|skipped|failure|error} from a --junit-xml file."""
    statuses = {}
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        status = "ok"
        for kind in ("error", "failure", "skipped"):
            if case.find(kind) is not None:
                status = kind
                break
        if case.get("status") == "skipped" or case.get("result") == "skipped":
            status = "skipped"
        statuses[case.get("name")] = status
    return statuses


def run_module(module, mode, work):
    """One run; returns (exit status or None on timeout, {test: status} or None)."""
    d = os.path.join(work, module, mode)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "tmp"))
    os.makedirs(os.path.join(d, "ls"))
    leakscope = os.environ.get("LEAKSCOPE", os.path.join(ROOT, "build", "leakscope"))
    log = os.path.join(d, "ls", "%p.log")
    wrap = {"plain": [],
            "full": [leakscope, "run", "--log-file", log, "--"],
            "children": [leakscope, "run", "--trace-children", "--log-file", log, "--"],
            "sample": [leakscope, "run", "--sample", "--log-file", log, "--"]}[mode]
    xml = os.path.join(d, "results.xml")
    argv = [PYTHON, "-m", "test", "--junit-xml", xml, "--tempdir", os.path.join(d, "tmp")]
    for pattern in IGNORE.get(module, []):
        argv += ["-i", pattern]
    argv.append("test_" + module)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.path.join(work, "home"), "LC_ALL": "C.UTF-8",
           "TERM": "dumb", "TMPDIR": os.path.join(d, "tmp"), "PYTHONMALLOC": "malloc", "USER": "root",
           "LOGNAME": "root", "SHELL": "/bin/sh"}
    with open(os.path.join(d, "output.txt"), "wb") as out:
        try:
            rc = subprocess.run(["setarch", "-R"] + wrap + argv, cwd=d, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            rc = None
    try:
        statuses = test_statuses(xml)
    except (OSError, ET.ParseError):
        statuses = None
    return rc, statuses


def leakscope_notes(work, module, mode):
    """(processes that reported, warnings other than the hint about
    untraced programs) of a leakscope run, from its --log-file."""
    d = os.path.join(work, module, mode, "ls")
    pids, warnings = set(), 0
    for f in os.listdir(d):
        with open(os.path.join(d, f), encoding="utf-8", errors="replace") as log:
            for line in log:
                m = re.match(r"==(\d+)== (LEAK|HEAP) SUMMARY", line)
                if m:
                    pids.add(m.group(1))
                elif "warning" in line and "not traced" not in line:
                    warnings += 1
    return len(pids), warnings


def check_module(module, work, known):
    """Runs the module in every mode; returns (failures, row, lines to print)."""
    results = {mode: run_module(module, mode, work) for mode in MODES}
    lines, failed = [], 0
    plain_rc, plain = results["plain"]
    row = {"module": module}
    if plain is None:
        lines.append(f"{module}: FAIL the plain run gave no results (exit {plain_rc})")
        return 1, dict(row, tests="?"), lines
    counts = {}
    for s in plain.values():
        counts[s] = counts.get(s, 0) + 1
    row["tests"] = f"{len(plain)} ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))})"
    lines.append(f"{module}: {row['tests']}, exit {plain_rc}")

    def verdict(test, mode, ok, detail):
        nonlocal failed
        reason = known.get((test, mode)) or known.get((test, "any"))
        if ok:
            if reason:
                lines.append(f"  {test} {mode}: agrees now (cpython-known.txt: {reason})")
            return True
        if reason:
            lines.append(f"  {test} {mode}: differs as known: {detail} ({reason})")
            return "known"
        lines.append(f"  FAIL {test} {mode}: {detail}")
        failed += 1
        return False

    for mode in MODES[1:]:
        rc, statuses = results[mode]
        same, known_diff = 0, 0
        if statuses is None:
            verdict(f"{module}:status", mode, False, f"no results (exit {rc})")
            row[mode] = "no results"
            continue
        for test in sorted(set(plain) | set(statuses)):
            a, b = plain.get(test, "absent"), statuses.get(test, "absent")
            v = verdict(test, mode, a == b, f"plain {a}, {mode} {b}")
            same += v is True
            known_diff += v == "known"
        v = verdict(f"{module}:status", mode, rc == plain_rc, f"exit plain {plain_rc}, {mode} {rc}")
        procs, warnings = leakscope_notes(work, module, mode)
        total = len(set(plain) | set(statuses))
        row[mode] = (f"{same}/{total} same" + (f", {known_diff} known" if known_diff else "") +
                     ("" if v is True else f", exit {rc}") + f"; {procs} processes reported, {warnings} warnings")
        lines.append(f"  {mode}: {row[mode]}")
    return failed, row, lines


def write_table(path, rows):
    cols = ("module", "tests", "full", "children", "sample")
    heads = ("module", "tests (plain)", "full mode", "full, --trace-children", "sample mode")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(heads) + " |\n|" + "---|" * len(cols) + "\n")
        for row in rows:
            f.write("| " + " | ".join(row.get(c, "") for c in cols) + " |\n")
    os.replace(path + ".tmp", path)


def main(argv):
    fast, jobs, table, keep, modules = False, 1, None, None, []
    args = list(argv)
    try:
        while args:
            a = args.pop(0)
            if a == "--fast":
                fast = True
            elif a == "-j":
                jobs = int(args.pop(0))
            elif a == "--table":
                table = args.pop(0)
            elif a == "--keep":
                keep = args.pop(0)
            elif a.startswith("-"):
                raise ValueError(a)
            else:
                modules.append(a)
    except (IndexError, ValueError):
        print("usage: cpython.py [--fast] [-j N] [--table FILE] [--keep DIR] [MODULE...]", file=sys.stderr)
        return 2
    if not os.path.exists(SUITE):
        print(f"cpython.py: {SUITE} is missing (Debian's libpython3.11-testsuite)")
        return 77
    try:
        known = load_known(os.path.join(HERE, "cpython-known.txt"))
    except (OSError, ValueError) as e:
        print(f"cpython.py: {e}", file=sys.stderr)
        return 2
    chosen = modules or (list(FAST) if fast else MODULES)
    work = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="leakscope-cpython.")
    os.makedirs(os.path.join(work, "home"), exist_ok=True)
    failed, rows = 0, {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(check_module, m, work, known): m for m in chosen}
            for fut in concurrent.futures.as_completed(futures):
                n, row, lines = fut.result()
                failed += n
                rows[futures[fut]] = row
                print("\n".join(lines), flush=True)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    if table:
        write_table(table, [rows[m] for m in chosen])
    print(f"{len(chosen)} modules, {failed} tests or runs differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
