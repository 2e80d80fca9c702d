"""py_objects: the Python workload of bench/run.sh.

Builds and drops millions of small objects (dicts, lists, strings, tuples) in rounds, keeping
a bounded working set alive between rounds, so that with PYTHONMALLOC=malloc every object is
a malloc/free through the C allocator. Run with the real interpreter, not a shim:

    PYTHONMALLOC=malloc /usr/bin/python3 bench/py_objects.py [SCALE]

SCALE (default 10) multiplies the work; 10 is about 1.5 s here. Prints a deterministic checksum.
"""
import sys


def py_objects_record(i):
    name = "item-%d" % i
    tags = [name[:4], str(i % 97), "t%d" % (i % 13)]
    return {"id": i, "name": name, "tags": tags, "pos": (i, i * 2, i % 7)}


def py_objects_round(base, n):
    records = [py_objects_record(base + i) for i in range(n)]
    index = {}
    for r in records:
        index.setdefault(r["pos"][2], []).append(r["name"])
    joined = [",".join(r["tags"]) for r in records[::5]]
    pairs = sorted((len(s), s) for s in joined)
    return records, index, pairs


def py_objects_main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if scale <= 0:
        sys.exit("py_objects: SCALE must be a positive integer")
    keep = []
    checksum = 0
    rounds = 3 * scale
    for k in range(rounds):
        records, index, pairs = py_objects_round(k * 20000, 20000)
        checksum += len(records) + sum(len(v) for v in index.values()) + pairs[-1][0]
        keep.append(records[k % 50::50])
        if len(keep) > 8:
            keep.pop(0)
        del records, index, pairs
    checksum += sum(len(x) for x in keep)
    print("py_objects scale=%d rounds=%d checksum=%d" % (scale, rounds, checksum))


py_objects_main()
