#!/usr/bin/python3
"""pprof_check.py: an independent reader of pprof profiles for the tests.

Standard library only: gzip plus a protobuf wire-format decoder written
here, so it shares no code with leakscope's reader. It checks what pprof
itself enforces and what docs/INTERCHANGE.md on pprof asks of a heap profile, then
prints a normalized listing the shell tests grep:

    period_type space bytes
    period N
    time_nanos N
    mapping FILENAME BUILD_ID flags=FN,FL,LN,IN
    sample LEAF<CALLER<... AO AS IO IS bytes=N
    (functions of a location's lines, innermost first; 0xADDR without lines)

Usage: pprof_check.py PROFILE [--allow-other-types]
Exit 0 when valid, 1 with a message on the first problem.
"""
import gzip
import sys


class Bad(Exception):
    pass


def varint(buf, pos):
    value, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise Bad("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift >= 64:
            raise Bad("varint too long")


def fields(buf):
    """Yield (field, wire, value) where value is an int or bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise Bad("field number 0")
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            n, pos = varint(buf, pos)
            if pos + n > len(buf):
                raise Bad("length-delimited field past the end")
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise Bad("wire type %d" % wire)
        if pos > len(buf):
            raise Bad("fixed field past the end")
        yield field, wire, value


def repeated_ints(wire, value):
    if wire == 0:
        return [value]
    out, pos = [], 0
    while pos < len(value):
        v, pos = varint(value, pos)
        out.append(v)
    return out


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def message(buf, repeated=None):
    """Decode a message into {field: value}; repeated fields ("ints" or
    "msgs") into lists."""
    if not isinstance(buf, bytes):
        raise Bad("a message field is not length-delimited")
    repeated = repeated or {}
    out = {}
    for field, wire, value in fields(buf):
        kind = repeated.get(field)
        if kind == "ints":
            out.setdefault(field, []).extend(repeated_ints(wire, value))
        elif kind == "msgs":
            out.setdefault(field, []).append(value)
        else:
            out[field] = value
    return out


def main():
    path = sys.argv[1]
    allow_other = "--allow-other-types" in sys.argv
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        raise Bad("not gzip-compressed (docs/INTERCHANGE.md: the serialized proto must be gzipped)")
    data = gzip.decompress(raw)
    prof = message(data, {1: "msgs", 2: "msgs", 3: "msgs", 4: "msgs", 5: "msgs", 6: "msgs",
                          13: "ints"})
    strings = [s.decode("utf-8") for s in prof.get(6, [])]
    if not strings or strings[0] != "":
        raise Bad("string_table[0] must be ''")

    def s(i):
        if not 0 <= i < len(strings):
            raise Bad("string index %d out of range" % i)
        return strings[i]

    types = []
    for vt in prof.get(1, []):
        m = message(vt)
        types.append((s(m.get(1, 0)), s(m.get(2, 0))))
    want = [("alloc_objects", "count"), ("alloc_space", "bytes"),
            ("inuse_objects", "count"), ("inuse_space", "bytes")]
    if types != want and not allow_other:
        raise Bad("sample types %r, want %r" % (types, want))
    if 14 in prof and prof[14] != 0 and not allow_other:
        raise Bad("default_sample_type is set (Go leaves it unset for heap profiles)")
    pt = message(prof[11]) if 11 in prof else {}
    print("period_type %s %s" % (s(pt.get(1, 0)), s(pt.get(2, 0))))
    print("period %d" % signed(prof.get(12, 0)))
    print("time_nanos %d" % signed(prof.get(9, 0)))

    def unique_ids(kind, items):
        ids = {}
        for m in items:
            i = m.get(1, 0)
            if i == 0:
                raise Bad("%s id 0" % kind)
            if i in ids:
                raise Bad("duplicate %s id %d" % (kind, i))
            ids[i] = m
        return ids

    mappings = unique_ids("mapping", [message(b) for b in prof.get(3, [])])
    functions = unique_ids("function", [message(b) for b in prof.get(5, [])])
    locations = unique_ids("location", [message(b, {4: "msgs"}) for b in prof.get(4, [])])
    for m in mappings.values():
        if m.get(3, 0) < m.get(2, 0):
            raise Bad("mapping limit below start")
        flags = ",".join(n for f, n in ((7, "FN"), (8, "FL"), (9, "LN"), (10, "IN")) if m.get(f))
        print("mapping %s %s flags=%s" % (s(m.get(5, 0)) or "-", s(m.get(6, 0)) or "-", flags))
    for fn in functions.values():
        for f in (2, 3, 4):
            s(fn.get(f, 0))
    loc_names = {}
    for lid, loc in locations.items():
        mid = loc.get(2, 0)
        if mid and mid not in mappings:
            raise Bad("location %d: mapping %d missing" % (lid, mid))
        names = []
        for lb in loc.get(4, []):
            line = message(lb)
            fid = line.get(1, 0)
            if fid not in functions:
                raise Bad("location %d: function %d missing" % (lid, fid))
            names.append(s(functions[fid].get(2, 0)))
        loc_names[lid] = names or ["0x%x" % loc.get(3, 0)]
    for sb in prof.get(2, []):
        smp = message(sb, {1: "ints", 2: "ints", 3: "msgs"})
        values = [signed(v) for v in smp.get(2, [])]
        if len(values) != len(types):
            raise Bad("sample with %d values for %d types" % (len(values), len(types)))
        frames = []
        for lid in smp.get(1, []):
            if lid not in locations:
                raise Bad("sample refers to missing location %d" % lid)
            frames.extend(loc_names[lid])
        label = ""
        for lb in smp.get(3, []):
            lab = message(lb)
            if s(lab.get(1, 0)) == "bytes":
                label = " bytes=%d" % signed(lab.get(3, 0))
                if not allow_other and values[0] and values[1] // values[0] != signed(lab.get(3, 0)):
                    raise Bad("label bytes %d != alloc_space/alloc_objects" % signed(lab.get(3, 0)))
        print("sample %s %s%s" % ("<".join(frames), " ".join(map(str, values)), label))


if __name__ == "__main__":
    try:
        main()
    except (Bad, OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as e:
        print("pprof_check: %s: %s" % (sys.argv[1] if len(sys.argv) > 1 else "?", e),
              file=sys.stderr)
        sys.exit(1)
