#!/usr/bin/python3
# mkprofile.py: write a small gzip'd pprof heap profile for the gate and diff
# tests, with the four Go heap sample types.
#   mkprofile.py OUT 'leaf;caller;main=INUSE_BYTES[/ALLOC_BYTES]' ...
# Each frame is a function in file "<function>.c" at line 10; every sample
# has one object per 64 bytes.
import gzip
import sys


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def packed(num, values):
    return field_bytes(num, b"".join(varint(v) for v in values))


strings = [""]


def sid(s):
    if s not in strings:
        strings.append(s)
    return strings.index(s)


out = sys.argv[1]
functions, locations, body = {}, {}, bytearray()
for t, u in (("alloc_objects", "count"), ("alloc_space", "bytes"),
             ("inuse_objects", "count"), ("inuse_space", "bytes")):
    body += field_bytes(1, field_varint(1, sid(t)) + field_varint(2, sid(u)))
for spec in sys.argv[2:]:
    stack, values = spec.split("=")
    inuse = int(values.split("/")[0])
    alloc = int(values.split("/")[1]) if "/" in values else inuse
    locs = []
    for fn in stack.split(";"):
        if fn not in functions:
            functions[fn] = len(functions) + 1
        if fn not in locations:
            locations[fn] = len(locations) + 1
        locs.append(locations[fn])
    vals = [max(alloc // 64, 1), alloc, max(inuse // 64, 1) if inuse else 0, inuse]
    body += field_bytes(2, packed(1, locs) + packed(2, vals))
for fn, lid in locations.items():
    line = field_varint(1, functions[fn]) + field_varint(2, 10)
    body += field_bytes(4, field_varint(1, lid) + field_varint(3, 0x401000 + 16 * lid)
                        + field_bytes(4, line))
for fn, fid in functions.items():
    body += field_bytes(5, field_varint(1, fid) + field_varint(2, sid(fn))
                        + field_varint(3, sid(fn)) + field_varint(4, sid(fn + ".c")))
body += field_bytes(11, field_varint(1, sid("space")) + field_varint(2, sid("bytes")))
body += field_varint(12, 1)
for s in strings:
    body += field_bytes(6, s.encode())
with gzip.open(out, "wb") as f:
    f.write(bytes(body))
