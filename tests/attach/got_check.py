#!/usr/bin/python3
"""got_check.py: the GOT entries of the malloc family in a running process,
read from outside (tests/attach/): every ELF object mapped by PID (its
first mapping gives its load address), its JUMP_SLOT and GLOB_DAT
relocations against the names below (from `readelf -rW`), and the value
each entry holds now (from /proc/PID/mem).

Usage: got_check.py PID [--where] [--skip NAME]...
Prints one line per entry, "OBJECT SYMBOL VALUE" (hex), sorted; with
--where VALUE is the basename of the object mapped there instead
("libc.so.6", "libleakscope.so", or "-" for none: a lazy entry not bound
yet points into its own object).  Objects whose basename starts with a
--skip NAME are left out.  The tests compare
the listing before an attach with the one after the detach, and check
that while attached the entries point into the agent.
"""
import os
import re
import subprocess
import sys

NAMES = {
    "malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
    "memalign", "valloc", "pvalloc", "cfree", "free_sized", "free_aligned_sized", "dlopen", "dlclose",
}


def mappings(pid):
    """(start, end, basename) of every file-backed mapping."""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                out.append((lo, hi, os.path.basename(parts[5].strip().replace(" (deleted)", ""))))
    return out


def objects(pid):
    """(path, load address) of every file-backed object mapped at offset 0."""
    seen = {}
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 6 or not parts[5].startswith("/"):
                continue
            path = parts[5].strip()
            if path.endswith(" (deleted)"):
                continue
            start = int(parts[0].split("-")[0], 16)
            if int(parts[2], 16) == 0 and path not in seen:
                seen[path] = start
    return seen


def first_vaddr(path):
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            return int(f[2], 16) & ~0xFFF
    return None


def entries(path):
    out = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True).stdout
    rel = re.compile(r"^([0-9a-f]+)\s+[0-9a-f]+\s+(R_X86_64_JUMP_SLOT|R_X86_64_GLOB_DAT)\s+[0-9a-f]+\s+([^@\s]+)")
    for line in out.splitlines():
        m = rel.match(line.strip())
        if m and m.group(3) in NAMES:
            yield int(m.group(1), 16), m.group(3)


def main():
    pid = int(sys.argv[1])
    skip = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--skip"]
    where = "--where" in sys.argv
    maps = mappings(pid) if where else []
    lines = []
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for path, start in objects(pid).items():
            base = os.path.basename(path)
            if any(base.startswith(s) for s in skip):
                continue
            vaddr = first_vaddr(path)
            if vaddr is None:
                continue
            bias = start - vaddr
            for offset, name in entries(path):
                mem.seek(bias + offset)
                value = int.from_bytes(mem.read(8), "little")
                if where:
                    owner = next((m[2] for m in maps if m[0] <= value < m[1]), "-")
                    lines.append(f"{base} {name} {owner}")
                else:
                    lines.append(f"{base} {name} {value:x}")
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main()
