#!/usr/bin/python3
"""ab: alternating A/B timing of a baseline command and the same workload under a tool.

    bench/ab.py [--pairs N] [--warmup N] [--name LABEL] [--base-label LABEL]
                [--check-stdout] [--after SHELLCMD] [--timeout S] [--jsonl FILE]
                -- BASELINE_CMD... --vs-- TOOL_CMD...

Environment differences go in the commands themselves, e.g. the tool side
`env LD_PRELOAD=/path/lib.so prog args`. Both commands run in the current directory with
stdin from /dev/null; their stdout and stderr go to temporary files.

Each pair runs the baseline and the tool once, one right after the other, and the order is
swapped on every other pair (A B, B A, A B, ...) so that drift and cache effects cancel. A
pair's ratio is tool time / baseline time of that pair; the summary gives the median ratio,
the interquartile range (p25-p75) and the min-max of the per-pair ratios, the median wall
times, the median CPU time ratio (user+sys of the process and its waited-for descendants)
and the median peak RSS ratio. Peak RSS is ru_maxrss of the command as measured by GNU
/usr/bin/time (-f %M), which starts it from a small process: a child forked straight from
this Python process would inherit Python's own high-water mark through fork and exec. It is
the largest resident set among the command and its waited-for descendants, not their sum.
Without /usr/bin/time (Debian package "time"), wait4's ru_maxrss is used and says so.

--warmup N      unmeasured runs of each side first (default 1). One baseline run is
                always made first, as the reference for exit status and stdout; with
                --warmup 0 the tool gets no unmeasured run (for very slow tools)
--check-stdout  the tool's stdout must equal the baseline's (same output under the tool)
--after CMD     shell command run, untimed, after every run (e.g. delete profile dumps)
--timeout S     kill a run (its whole process group) after S seconds: an error

The last line printed is machine-readable:
    RESULT name=LABEL pairs=N ratio=M p25=.. p75=.. min=.. max=.. base_s=.. tool_s=.. ...
and --jsonl FILE appends the same figures (plus both commands) as one JSON object.
Exit status: 0 ok, 1 a run failed (non-zero or different exit status, different stdout,
timeout), 2 bad usage.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def ab_usage(msg):
    sys.stderr.write("ab.py: %s\n" % msg)
    sys.exit(2)


def ab_parse(argv):
    opts = {"pairs": 11, "warmup": 1, "name": "run", "base_label": "native",
            "check_stdout": False, "after": None, "timeout": None, "jsonl": None}
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a == "--check-stdout":
            opts["check_stdout"] = True
            i += 1
            continue
        keys = {"--pairs": "pairs", "--warmup": "warmup", "--name": "name",
                "--base-label": "base_label", "--after": "after", "--timeout": "timeout",
                "--jsonl": "jsonl"}
        if a not in keys:
            ab_usage("unknown option %r (see the top of bench/ab.py)" % a)
        if i + 1 >= len(argv):
            ab_usage("option %s needs a value" % a)
        opts[keys[a]] = argv[i + 1]
        i += 2
    if i >= len(argv):
        ab_usage("missing '--' before the commands")
    rest = argv[i + 1:]
    if rest.count("--vs--") != 1:
        ab_usage("give exactly one '--vs--' between the baseline and the tool command")
    k = rest.index("--vs--")
    base, tool = rest[:k], rest[k + 1:]
    if not base or not tool:
        ab_usage("the baseline and the tool command must both be non-empty")
    try:
        opts["pairs"] = int(opts["pairs"])
        opts["warmup"] = int(opts["warmup"])
        if opts["timeout"] is not None:
            opts["timeout"] = float(opts["timeout"])
    except ValueError:
        ab_usage("--pairs and --warmup take integers, --timeout a number of seconds")
    if opts["pairs"] < 1 or opts["warmup"] < 0:
        ab_usage("--pairs must be at least 1 and --warmup at least 0")
    return opts, base, tool


class AbRunError(Exception):
    pass


AB_TIME = "/usr/bin/time"
ab_current = []   # the process group of the run in progress, for ab_on_signal


def ab_on_signal(signum, frame):
    """SIGTERM/SIGINT: stop the run in progress with us, then exit."""
    for pgid in ab_current:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(128 + signum)


def ab_run_once(cmd, timeout, after):
    """Run cmd once; return (wall seconds, cpu seconds, peak RSS KiB, status, stdout, stderr)."""
    rss_file = None
    argv = cmd
    if os.access(AB_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="ab-rss.")
        os.close(fd)
        argv = [AB_TIME, "-q", "-f", "%M", "-o", rss_file] + cmd
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True)
        except OSError as e:
            raise AbRunError("cannot start %s: %s" % (cmd[0], e.strerror))
        ab_current[:] = [proc.pid]
        timed_out = []
        timer = None
        if timeout:
            def kill():
                timed_out.append(True)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            timer = threading.Timer(timeout, kill)
            timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        ab_current.clear()
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    maxrss = ru.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        if lines and lines[-1].isdigit():
            maxrss = int(lines[-1])
    if after:
        subprocess.run(after, shell=True, stdin=subprocess.DEVNULL)
    if timed_out:
        raise AbRunError("timed out after %g s: %s" % (timeout, " ".join(cmd)))
    if proc.returncode == 127 and argv is not cmd and not stdout:
        raise AbRunError("cannot run %s: %s" % (cmd[0], ab_tail(stderr)))
    return wall, ru.ru_utime + ru.ru_stime, maxrss, proc.returncode, stdout, stderr


def ab_loadavg():
    """The 1-minute load average (other work on the machine), or -1 when unknown."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def ab_quantiles(xs):
    """(p25, median, p75) of a non-empty list."""
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def ab_tail(data):
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return "\n    ".join(lines[-5:])


def ab_check(opts, ref, res, cmd):
    """Compare a tool run with the baseline's reference run; raise on a difference."""
    if res[3] != ref[3]:
        raise AbRunError("exit status %d (baseline %d): %s\n    %s"
                         % (res[3], ref[3], " ".join(cmd), ab_tail(res[5])))
    if opts["check_stdout"] and res[4] != ref[4]:
        raise AbRunError("stdout differs from the baseline's: %s" % " ".join(cmd))


def ab_main(argv):
    opts, base, tool = ab_parse(argv)
    signal.signal(signal.SIGTERM, ab_on_signal)
    signal.signal(signal.SIGINT, ab_on_signal)
    name, timeout, after = opts["name"], opts["timeout"], opts["after"]
    sys.stdout.write("== %s: %d pairs, %s vs tool\n   %s: %s\n   tool: %s\n"
                     % (name, opts["pairs"], opts["base_label"], opts["base_label"],
                        " ".join(base), " ".join(tool)))
    if not os.access(AB_TIME, os.X_OK):
        sys.stdout.write("   note: no %s; peak RSS from wait4 includes this Python's own\n"
                         % AB_TIME)
    sys.stdout.flush()
    load_before = ab_loadavg()
    try:
        ref = ab_run_once(base, timeout, after)
        if ref[3] != 0:
            raise AbRunError("baseline exit status %d: %s\n    %s"
                             % (ref[3], " ".join(base), ab_tail(ref[5])))
        for w in range(opts["warmup"]):
            if w > 0:
                ab_run_once(base, timeout, after)
            ab_check(opts, ref, ab_run_once(tool, timeout, after), tool)
        rows = []
        for p in range(opts["pairs"]):
            if p % 2 == 0:
                b = ab_run_once(base, timeout, after)
                t = ab_run_once(tool, timeout, after)
            else:
                t = ab_run_once(tool, timeout, after)
                b = ab_run_once(base, timeout, after)
            ab_check(opts, ref, b, base)
            ab_check(opts, ref, t, tool)
            rows.append((b, t))
            sys.stdout.write("   pair %2d: %s %.3f s  tool %.3f s  ratio %.3f\n"
                             % (p + 1, opts["base_label"], b[0], t[0], t[0] / b[0]))
            sys.stdout.flush()
    except AbRunError as e:
        sys.stderr.write("ab.py: %s: %s\n" % (name, e))
        return 1
    ratios = sorted(t[0] / b[0] for b, t in rows)
    p25, med, p75 = ab_quantiles(ratios)
    cpu_ratio = statistics.median(t[1] / b[1] for b, t in rows if b[1] > 0)
    rss_ratio = statistics.median(t[2] / b[2] for b, t in rows if b[2] > 0)
    res = {
        "name": name, "base_label": opts["base_label"], "pairs": len(rows),
        "ratio": med, "p25": p25, "p75": p75, "min": ratios[0], "max": ratios[-1],
        "base_s": statistics.median(b[0] for b, _ in rows),
        "tool_s": statistics.median(t[0] for _, t in rows),
        "cpu_ratio": cpu_ratio, "rss_ratio": rss_ratio,
        "base_rss_kb": statistics.median(b[2] for b, _ in rows),
        "tool_rss_kb": statistics.median(t[2] for _, t in rows),
        "load": [load_before, ab_loadavg()],
    }
    sys.stdout.write("   time ratio: median %.3fx  p25-p75 %.3f-%.3fx  min-max %.3f-%.3fx\n"
                     % (med, p25, p75, ratios[0], ratios[-1]))
    sys.stdout.write("   median wall: %s %.3f s, tool %.3f s;  cpu ratio %.3fx\n"
                     % (opts["base_label"], res["base_s"], res["tool_s"], cpu_ratio))
    sys.stdout.write("   peak RSS: %s %.0f KiB, tool %.0f KiB, median ratio %.3fx\n"
                     % (opts["base_label"], res["base_rss_kb"], res["tool_rss_kb"], rss_ratio))
    sys.stdout.write("   load average: %.2f before, %.2f after\n" % tuple(res["load"]))
    sys.stdout.write("RESULT name=%s base=%s pairs=%d ratio=%.3f p25=%.3f p75=%.3f min=%.3f "
                     "max=%.3f base_s=%.3f tool_s=%.3f cpu_ratio=%.3f rss_ratio=%.3f "
                     "base_rss_kb=%.0f tool_rss_kb=%.0f\n"
                     % (name, opts["base_label"], len(rows), med, p25, p75, ratios[0],
                        ratios[-1], res["base_s"], res["tool_s"], cpu_ratio, rss_ratio,
                        res["base_rss_kb"], res["tool_rss_kb"]))
    if opts["jsonl"]:
        res["base_cmd"], res["tool_cmd"] = base, tool
        res["date"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        with open(opts["jsonl"], "a") as f:
            f.write(json.dumps(res) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(ab_main(sys.argv[1:]))
