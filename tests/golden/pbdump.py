#!/usr/bin/python3
"""pbdump.py: a pprof profile (gzip'd or not) as text, every field of the
uncompressed protobuf in the order it was written, named after
profile.proto, with string-table indexes shown with their text:

    sample_type { type=1 "alloc_objects" unit=2 "count" }
    sample { location_id=[1, 2] value=[1, 64, 1, 64] label { key=9 "bytes" num=64 } }
    string_table[1] "alloc_objects"

Nothing is skipped or sorted, so two profiles dump the same only when their
protobuf bytes are the same (the gzip header, which holds a time, is not
part of it).  Standard library only; shares no code with leakscope.

Usage: pbdump.py PROFILE
"""
import gzip
import sys

# message name -> {field number: (name, kind)}; kind: a message name,
# "str" (a string-table index), "u" (unsigned), "i" (int64), "packed_u",
# "packed_i", "bytes"
SCHEMA = {
    "Profile": {1: ("sample_type", "ValueType"), 2: ("sample", "Sample"), 3: ("mapping", "Mapping"),
                4: ("location", "Location"), 5: ("function", "Function"), 6: ("string_table", "bytes"),
                7: ("drop_frames", "str"), 8: ("keep_frames", "str"), 9: ("time_nanos", "i"),
                10: ("duration_nanos", "i"), 11: ("period_type", "ValueType"), 12: ("period", "i"),
                13: ("comment", "str"), 14: ("default_sample_type", "str")},
    "ValueType": {1: ("type", "str"), 2: ("unit", "str")},
    "Sample": {1: ("location_id", "packed_u"), 2: ("value", "packed_i"), 3: ("label", "Label")},
    "Label": {1: ("key", "str"), 2: ("str", "str"), 3: ("num", "i"), 4: ("num_unit", "str")},
    "Mapping": {1: ("id", "u"), 2: ("memory_start", "x"), 3: ("memory_limit", "x"), 4: ("file_offset", "x"),
                5: ("filename", "str"), 6: ("build_id", "str"), 7: ("has_functions", "u"),
                8: ("has_filenames", "u"), 9: ("has_line_numbers", "u"), 10: ("has_inline_frames", "u")},
    "Location": {1: ("id", "u"), 2: ("mapping_id", "u"), 3: ("address", "x"), 4: ("line", "Line"),
                 5: ("is_folded", "u")},
    "Line": {1: ("function_id", "u"), 2: ("line", "i"), 3: ("column", "i")},
    "Function": {1: ("id", "u"), 2: ("name", "str"), 3: ("system_name", "str"), 4: ("filename", "str"),
                 5: ("start_line", "i")},
}


def varint(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def fields(buf):
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            value, pos = int.from_bytes(buf[pos:pos + n], "little"), pos + n
        else:
            raise ValueError("wire type %d at byte %d" % (wire, pos))
        yield num, wire, value


def packed(value, wire):
    if wire == 0:
        return [value]
    out, pos = [], 0
    while pos < len(value):
        v, pos = varint(value, pos)
        out.append(v)
    return out


def dump(buf, message, strings):
    parts = []
    for num, wire, value in fields(buf):
        name, kind = SCHEMA[message].get(num, ("field%d/wire%d" % (num, wire), "raw"))
        if kind in SCHEMA:
            parts.append("%s { %s }" % (name, dump(value, kind, strings)))
        elif kind == "str":
            text = strings[value] if value < len(strings) else "<out of range>"
            parts.append("%s=%d %s" % (name, value, quote(text)))
        elif kind == "u":
            parts.append("%s=%d" % (name, value))
        elif kind == "x":
            parts.append("%s=0x%x" % (name, value))
        elif kind == "i":
            parts.append("%s=%d" % (name, signed(value)))
        elif kind == "packed_u":
            parts.append("%s=%s" % (name, packed(value, wire)))
        elif kind == "packed_i":
            parts.append("%s=%s" % (name, [signed(v) for v in packed(value, wire)]))
        else:
            parts.append("%s=%r" % (name, value))
    return " ".join(parts)


def quote(b):
    return '"%s"' % b.decode("utf-8", "backslashreplace").replace("\\", "\\\\").replace('"', '\\"')


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings = [v for num, wire, v in fields(data) if num == 6]
    nstr = 0
    for num, wire, value in fields(data):
        if num == 6:
            print("string_table[%d] %s" % (nstr, quote(value)))
            nstr += 1
            continue
        print(dump(data_of(num, wire, value), "Profile", strings))


def data_of(num, wire, value):
    """The bytes of one top-level field, re-encoded, to dump it alone."""
    key = bytes(enc(num << 3 | wire))
    if wire == 0:
        return key + bytes(enc(value))
    return key + bytes(enc(len(value))) + value


def enc(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return out


if __name__ == "__main__":
    main()
