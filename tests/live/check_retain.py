#!/usr/bin/python3
"""check_retain.py: checks of a live retention snapshot's JSON (leakscope
retain --pid --json, or GET /debug/leakscope/retain?format=json) for the
program tests/progs/live_cache.  Exits 1 with a message when one fails.

  check_retain.py FILE MODE ENTRIES BODY
"""
import json
import sys


def die(msg):
    print("check_retain: " + msg, file=sys.stderr)
    sys.exit(1)


def main(path, mode, entries, body):
    entries, body = int(entries), int(body)
    with open(path) as f:
        doc = json.load(f)
    r = doc.get("retention", doc)  # a report has it in "retention"; the HTTP answer is it
    roots = r["roots"]
    names = [x["name"] for x in roots]
    cache = [i for i, x in enumerate(roots) if x.get("kind") == "global" and x.get("symbol") == "g_cache"]
    if not cache:
        die("no root global g_cache in %s" % names)
    cache = cache[0]
    # every block of the cache: the entries (24 bytes) and the bodies;
    # sample mode's blocks are glibc's chunks (up to 8 bytes more each)
    want = entries * (body + 24)
    got = roots[cache]["retained_bytes"]
    slack = 0 if mode == "full" else entries * 2 * 16
    if not want <= got <= want + slack:
        die("g_cache retains %d bytes, want %d (+%d)" % (got, want, slack))
    big = [x for x in roots if x.get("kind") == "global" and x.get("symbol") == "g_big"]
    if not big or not (1 << 20) <= big[0]["retained_bytes"] <= (1 << 20) + 8192:
        die("g_big (an mmapped block of 1 MiB) is not held as such: %s" % big)
    stack_roots = [x for x in roots if x.get("kind") == "stack" and 50000 <= x["retained_bytes"] <= 50100]
    if not stack_roots:
        die("no thread stack retains the 50,000-byte local block: %s" % [(x["name"], x["retained_bytes"]) for x in roots])
    if not any(x.get("kind") == "tls" and x.get("symbol") == "t_scratch" for x in roots):
        die("no root TLS variable t_scratch: %s" % names)
    # the bodies' stack: held by g_cache alone, with the right bytes
    # (sample mode: estimated from the sampled bodies)
    held = [h for h in r["held"] if any(fr.get("function") == "parse_body" for fr in h["stack"])]
    if not held:
        die("no holder of parse_body's blocks")
    top = max(held, key=lambda h: h["bytes"])
    if top["root"] != cache:
        die("parse_body's blocks are held by %s, not g_cache" % (roots[top["root"]]["name"] if top["root"] is not None else "several roots"))
    want = entries * body
    tolerance = 0 if mode == "full" else 0.2
    if abs(top["bytes"] - want) > tolerance * want:
        die("g_cache holds %d bytes of parse_body's, want %d (within %d%%)" % (top["bytes"], want, tolerance * 100))
    live = r.get("live")
    if live is None or not live["pause_ns"] > 0 or live["threads"] < 1:
        die("no live figures (pause, threads): %s" % live)
    print("ok %s: g_cache %d bytes, parse_body held %d of %d, pause %.2f ms" % (mode, got, top["bytes"], want, live["pause_ns"] / 1e6))


if __name__ == "__main__":
    main(*sys.argv[1:])
