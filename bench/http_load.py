#!/usr/bin/python3
"""http_load.py: what serving /metrics and /debug/pprof/heap costs the target.

Runs the allocating test service (build/tests/progs/http_server_sim) under
`leakscope run --http 127.0.0.1:0` for DURATION seconds, alternately with
no client and with CLIENTS concurrent clients (bench/http_load_client.go,
built with `go build`) that each loop: GET /metrics, pause, and every 5th
request GET /debug/pprof/heap instead.  The target prints its iterations
per second; the ratio of the medians is the throughput cost of being
watched.  It also prints iterations per second of the target's own CPU time
(agent included), which does not depend on what else runs on the machine:
on a busy machine the wall-clock ratio mostly measures the neighbours.  It also checks that the server answered throughout (every
request 200, no second of the run without an answer).

The target is pinned to CPU 0, the supervisor and the clients to the other
CPUs (--no-pin: no pinning).  On a machine whose CPUs share a physical core
the clients' and the server's work still slows the target; the quiet runs
measure the noise between runs of the same setup.

  bench/http_load.py [--duration 60] [--clients 50] [--mode sample|full]
                     [--pause 0.1] [--repeat 1] [--no-pin] [--json OUT]
Exit status 0 when the server answered throughout, 1 otherwise.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(args, tmp, name):
    cmd = [args.leakscope, "run", "--http", "127.0.0.1:0"]
    if args.mode == "sample":
        cmd.append("--sample")
    sim = [args.sim, str(args.duration), "1"]
    ncpu = os.cpu_count() or 1
    if not args.no_pin and ncpu > 1:
        # the target on CPU 0 (taskset execs it: same pid, still traced)
        sim = ["taskset", "-c", "0"] + sim
        cmd = ["taskset", "-c", "1-%d" % (ncpu - 1)] + cmd
    err = open(os.path.join(tmp, name + ".err"), "w+")
    out = open(os.path.join(tmp, name + ".out"), "w+")
    proc = subprocess.Popen(cmd + ["--"] + sim, stdout=out, stderr=err, cwd=tmp)
    url = None
    for _ in range(200):
        err.seek(0)
        m = re.search(r"serving (http://[^/ ]+)/", err.read())
        if m:
            url = m.group(1)
            break
        time.sleep(0.05)
    if url is None:
        proc.kill()
        sys.exit("http_load: the server did not start")
    return proc, url, out


def per_second(proc, out):
    """(iterations per second, iterations per CPU second of the target)"""
    proc.wait()
    out.seek(0)
    m = re.search(r"per_second (\d+) cpu_seconds [\d.]+ per_cpu_second (\d+)", out.read())
    if not m:
        sys.exit("http_load: the target printed no throughput")
    return int(m.group(1)), int(m.group(2))


def build_client(tmp):
    env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), HOME=tmp, GO111MODULE="off")
    exe = os.path.join(tmp, "http_load_client")
    src = os.path.join(ROOT, "bench", "http_load_client.go")
    subprocess.run(["go", "build", "-o", exe, src], check=True, env=env, cwd=tmp)
    return exe


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--mode", choices=["sample", "full"], default="sample")
    ap.add_argument("--pause", type=float, default=0.1, help="seconds between a client's requests")
    ap.add_argument("--repeat", type=int, default=1, help="pairs of runs (quiet, loaded)")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--leakscope", default=os.path.join(ROOT, "build", "leakscope"))
    ap.add_argument("--sim", default=os.path.join(ROOT, "build", "tests", "progs", "http_server_sim"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="leakscope-http-load.")
    client = build_client(tmp)
    ncpu = os.cpu_count() or 1
    pin = [] if args.no_pin or ncpu < 2 else ["taskset", "-c", "1-%d" % (ncpu - 1)]

    quiet, loaded, loads = [], [], []
    for r in range(args.repeat):
        proc, url, out = start(args, tmp, "quiet%d" % r)
        quiet.append(per_second(proc, out))
        print("run %d without clients: %d iterations/s, %d per CPU second" % (r + 1, *quiet[-1]), flush=True)
        proc, url, out = start(args, tmp, "loaded%d" % r)
        gen = subprocess.run(pin + [client, "-url", url, "-clients", str(args.clients),
                                    "-seconds", str(args.duration - 1), "-pause", "%gs" % args.pause],
                             stdout=subprocess.PIPE, check=True)
        loaded.append(per_second(proc, out))
        loads.append(json.loads(gen.stdout))
        print("run %d with %d clients:  %d iterations/s, %d per CPU second, %s" % (
            r + 1, args.clients, *loaded[-1], gen.stdout.decode().strip()), flush=True)
    ratio = median([l[0] for l in loaded]) / median([q[0] for q in quiet])
    cpu_ratio = median([l[1] for l in loaded]) / median([q[1] for q in quiet])
    failed = sum(l["failed"] for l in loads)
    silent = sum(l["seconds_without_answer"] for l in loads)
    result = {
        "mode": args.mode, "duration_s": args.duration, "clients": args.clients,
        "pinned": bool(pin), "pause_s": args.pause, "repeat": args.repeat,
        "iterations_per_s_without_clients": [q[0] for q in quiet],
        "iterations_per_s_with_clients": [l[0] for l in loaded],
        "iterations_per_cpu_s_without_clients": [q[1] for q in quiet],
        "iterations_per_cpu_s_with_clients": [l[1] for l in loaded],
        "throughput_ratio": round(ratio, 4), "throughput_drop_percent": round((1 - ratio) * 100, 2),
        "cpu_efficiency_ratio": round(cpu_ratio, 4),
        "cpu_efficiency_drop_percent": round((1 - cpu_ratio) * 100, 2),
        "load_average_1min": os.getloadavg()[0],
        "metrics_ok": sum(l["metrics_ok"] for l in loads), "heap_ok": sum(l["heap_ok"] for l in loads),
        "failed": failed, "seconds_without_answer": silent, "client_runs": loads,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if failed == 0 and silent == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
