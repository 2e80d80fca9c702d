#!/usr/bin/python3
"""realprogs.py: run real programs nobody here wrote plainly, under
`leakscope run` in full mode and in sample mode, and under Valgrind
memcheck, and compare.

For each program (PROGRAMS below): the stdout, stderr and exit status of
both leakscope runs (leakscope's own lines go to a --log-file) must equal
the plain run's, and full mode's four leak
numbers (definitely, indirectly, possibly lost, still reachable: bytes and
blocks, summed over every process that reported) must equal memcheck's.
A program whose numbers (or output) differ because of a known open bug is
listed in known-differences.txt with the reason: it is shown as "known"
and does not fail; when it agrees again it is shown as "agrees now" so
that its line can be removed.

Runs are made comparable: every one starts in a fresh copy of the same
fixture directory at the same path, with the same environment (names, and
values of the same sizes: see memcheck_env) and without address
randomization (setarch -R).

Usage: realprogs.py [--fast] [--table FILE] [--keep DIR] [--commands] [NAME...]
  --fast        only the programs marked fast (the subset make test runs)
  --commands    print the commands it would run (the programs and its own
                helpers), one a line, and run nothing
  --table FILE  write the results as a Markdown table to FILE
  --keep DIR    work in DIR (kept) instead of a temporary directory
  NAME...       only these programs
Environment: LEAKSCOPE (the command), PROGS (build/tests/progs).
Exit status: 0 when everything agrees or differs as known, 1 when a check
failed, 2 on bad usage.  A program that is not installed is left out.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import json
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import fixtures  # noqa: E402  (tests/real/fixtures.py)

KINDS = ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable")
SHORT = {"definitely_lost": "definitely", "indirectly_lost": "indirectly",
         "possibly_lost": "possibly", "still_reachable": "reachable"}
PLAIN_TIMEOUT = 300
LEAKSCOPE_TIMEOUT = 600
MEMCHECK_TIMEOUT = 1800


def prog(name, argv, fast=False, children=False, stdin=None, env=None):
    """A program to run: argv's words may hold {fix} (the fixture directory)."""
    return {"name": name, "argv": argv, "fast": fast, "children": children,
            "stdin": stdin, "env": env or {}}


BASH_SCRIPT = ('declare -A h; for ((i = 0; i < 300; i++)); do h[k$i]=$((i * i)); done; s=0; '
               'for k in "${!h[@]}"; do s=$((s + h[$k])); done; sub=$(echo in a subshell); '
               'echo "${#h[@]} $s $sub"')
AWK_SCRIPT = '{ s += $1; c[$2]++ } END { n = 0; for (k in c) n++; print s, n, NR }'
NODE_SCRIPT = ('const m = new Map(); for (let i = 0; i < 5000; i++) m.set("k" + i, i * 2); '
               'let s = 0; for (const v of m.values()) s += v; '
               'console.log(m.size, s, JSON.stringify([...m.keys()].slice(0, 3)))')
PY_SCRIPT = ('import json; d = {"k%d" % i: list(range(i)) for i in range(20)}; '
             'print(json.dumps(d["k5"]), sum(map(len, d.values())))')
PERL_SCRIPT = ('my %h; $h{"key$_"} = $_ * 2 for 1 .. 200; my @k = grep { /^key1\\d+$/ } sort keys %h; '
               '(my $s = join(",", @k[0 .. 4])) =~ s/key/k/g; print scalar(@k), " $s\\n"; '
               'print "$1\\n" if "order-4711-x" =~ /-(\\d+)-/;')

# Hash seeds drawn afresh by each process change how tables grow, and so
# the blocks: these programs get a fixed one.
PERL_FIXED = {"PERL_HASH_SEED": "0", "PERL_PERTURB_KEYS": "0"}
PY_FIXED = {"PYTHONHASHSEED": "0"}
# GLib's slice allocator hands out blocks carved from chunks it mallocs
# itself, unless it runs under valgrind (RUNNING_ON_VALGRIND), where it
# mallocs every slice: programs linked with GLib get its valgrind setting.
GLIB_FIXED = {"G_SLICE": "always-malloc"}

PROGRAMS = [
    prog("sqlite3", ["sqlite3", "-batch", ":memory:"], fast=True, stdin="script.sql"),
    prog("perl", ["perl", "-e", PERL_SCRIPT], fast=True, env=PERL_FIXED),
    prog("mawk", ["mawk", AWK_SCRIPT, "words.txt"], fast=True),
    prog("sort", ["sort", "--parallel=2", "-k2,2", "-k1,1n", "words.txt"], fast=True),
    prog("jq", ["jq", "-S", "[.items[] | select(.n % 3 == 0) | .name] | length, .meta", "data.json"],
         fast=True),
    prog("xz-T2", ["xz", "-T2", "--block-size=262144", "-c", "big.txt"], fast=True),
    prog("git-log", ["git", "-C", "repo", "--no-pager", "log", "--oneline", "--stat"], fast=True),
    prog("bash", ["bash", "--norc", "--noprofile", "-c", BASH_SCRIPT]),
    prog("gawk", ["gawk", AWK_SCRIPT, "words.txt"]),
    prog("zstd-T2", ["zstd", "-q", "-c", "-T2", "-B262144", "big.txt"]),
    prog("tar", ["tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                 "-cf", "-", "tree"]),
    prog("grep", ["grep", "-E", "-c", "word1[0-9]+$", "words.txt"]),
    prog("sed", ["sed", "-E", "s/([0-9]+) (.*)/\\2 \\1/", "words.txt"]),
    prog("diff", ["diff", "-u", "words.txt", "words2.txt"]),
    prog("gzip", ["gzip", "-9", "-n", "-c", "big.txt"]),
    prog("file", ["file", "-b", "hello.c", "big.txt", "data.json", "/usr/bin/sort"]),
    prog("openssl-dgst", ["openssl", "sha256", "-r", "big.txt"]),
    prog("openssl-enc", ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:secret",
                         "-S", "0011223344556677", "-a", "-in", "words.txt"]),
    prog("vim", ["vim", "-Nes", "-u", "NONE", "-i", "NONE", "+%s/word/W/g", "+g/^1[0-9]* /p",
                 "+qa!", "words.txt"]),
    prog("tclsh", ["tclsh", "script.tcl"]),
    prog("python3", ["/usr/bin/python3", "-c", PY_SCRIPT], env=PY_FIXED),
    prog("python3-malloc", ["/usr/bin/python3", "-c", PY_SCRIPT], env=dict(PY_FIXED, PYTHONMALLOC="malloc")),
    prog("git-version", ["git", "--version"]),
    prog("gcc", ["gcc", "-O2", "-S", "-o", "-", "hello.c"], children=True),
    prog("g++", ["g++", "-O1", "-S", "-o", "-", "hello.cc"], children=True),
    prog("gdb", ["gdb", "-nx", "--batch", "-ex", "info functions ^main$", "-ex", "print 6 * 7",
                 "/usr/bin/sqlite3"], env=GLIB_FIXED),
    prog("node", ["node", "-e", NODE_SCRIPT]),
    prog("cmake", ["cmake", "-S", "proj", "-B", "proj/build"]),
]


def load_known(path):
    """known-differences.txt: 'NAME CHECK reason...' lines (# comments)."""
    known = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(None, 2)
            if len(words) < 3:
                raise ValueError(f"{path}:{n}: want NAME CHECK REASON")
            known[(words[0], words[1])] = words[2]
    return known


def base_env(work):
    """The one environment every run gets (plus the program's own)."""
    home = os.path.join(work, "home")
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LC_ALL": "C", "TERM": "dumb",
            "TMPDIR": os.path.join(work, "tmp"), "GIT_CONFIG_NOSYSTEM": "1",
            "USER": "leakscope", "SHELL": "/bin/sh"}


# What Debian's valgrind script and valgrind itself add to the program's
# environment: the other runs get the same names with values of the same
# sizes, so that programs that copy their environment (perl's %ENV) or
# whose stack depends on its size do the same work in every run.  Two
# empty libraries whose paths are as long as valgrind's own preloads stand
# for them in LD_PRELOAD (the agent takes its own entry out again).
VALGRIND_PRELOADS = ("/usr/libexec/valgrind/vgpreload_core-amd64-linux.so",
                     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so")


def make_preloads(work):
    """The stand-ins for valgrind's preloads, under a short directory of /tmp
    (their paths must not be longer than valgrind's); returns it."""
    short = tempfile.mkdtemp(prefix="lsr", dir="/tmp")
    empty = os.path.join(short, "empty.c")
    with open(empty, "w", encoding="utf-8") as f:
        f.write("/* an empty library standing for one of valgrind's preloads */\n")
    paths = []
    for i, real in enumerate(VALGRIND_PRELOADS):
        pad = len(real) - len(short) - len(f"/{i}.so")
        path = os.path.join(short, f"{i}{'x' * pad}.so")
        if pad < 0 or len(path) != len(real):
            raise OSError(f"cannot make a preload path as long as {real} under {short}")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", path, empty], check=True)
        paths.append(path)
    with open(os.path.join(work, "preloads"), "w", encoding="utf-8") as f:
        f.write(":".join(paths))
    return short


def memcheck_env(work, cwd):
    with open(os.path.join(work, "preloads"), encoding="utf-8") as f:
        preloads = f.read()
    return {"LD_LIBRARY_PATH": "/usr/lib/debug", "GLIBCPP_FORCE_NEW": "1", "GLIBCXX_FORCE_NEW": "1",
            "PWD": cwd, "LD_PRELOAD": preloads}


def run_one(p, mode, work, out):
    """Run program p in mode plain|full|sample|memcheck in a fresh fixture copy.
    Returns (status, stdout bytes, stderr bytes); status None on timeout."""
    cwd = os.path.join(work, "run")
    if os.path.exists(cwd):
        shutil.rmtree(cwd)
    shutil.copytree(os.path.join(work, "fixture"), cwd, symlinks=True)
    tmp = os.path.join(work, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    leakscope = os.environ.get("LEAKSCOPE", os.path.join(ROOT, "build", "leakscope"))
    tag = os.path.join(out, f"{p['name']}.{mode}")
    trace = ["--trace-children"] if p["children"] else []
    if mode == "plain":
        wrap, limit = [], PLAIN_TIMEOUT
    elif mode == "full":
        wrap, limit = [leakscope, "run", "--log-file", tag + ".log"] + trace + \
            ["--report", tag + ".json", "--"], LEAKSCOPE_TIMEOUT
    elif mode == "sample":
        wrap, limit = [leakscope, "run", "--sample", "--log-file", tag + ".log"] + trace + \
            ["--report", tag + ".json", "--"], LEAKSCOPE_TIMEOUT
    else:
        vg_trace = ["--trace-children=yes"] if p["children"] else []
        # A parent as fresh as `leakscope run` is to the leakscope runs (a
        # shell that waits for valgrind): programs that keep their parent's
        # pid as a string (bash's PPID) then hold as many digits in each.
        wrap = ["sh", "-c", '"$@"; exit $?', "sh",
                "valgrind", "--leak-check=full", "--show-leak-kinds=all", "--log-file=" + tag + ".%p.log"] + \
            vg_trace
        limit = MEMCHECK_TIMEOUT
    env = base_env(work)
    if mode != "memcheck":
        env.update(memcheck_env(work, cwd))
    env.update(p["env"])
    stdin = open(os.path.join(cwd, p["stdin"]), "rb") if p["stdin"] else subprocess.DEVNULL
    try:
        r = subprocess.run(["setarch", "-R"] + wrap + p["argv"], cwd=cwd, env=env, stdin=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=limit)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b""
    finally:
        if p["stdin"]:
            stdin.close()


def report_numbers(out, name):
    """Full mode's four numbers, summed over the main report and its children's."""
    main = os.path.join(out, f"{name}.full.json")
    paths = [main] + sorted(os.path.join(out, f) for f in os.listdir(out)
                            if f.startswith(f"{name}.full.json."))
    if not os.path.exists(main):
        raise ValueError("no full-mode report")
    sums = {k: [0, 0] for k in KINDS}
    sums["allocs"] = [0, 0]
    for path in paths:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        for k in KINDS:
            sums[k][0] += report["summary"][k]["bytes"]
            sums[k][1] += report["summary"][k]["blocks"]
        sums["allocs"][0] += report["totals"]["allocs"]
        sums["allocs"][1] += report["totals"]["frees"]
    return sums, len(paths)


SUMMARY_LINE = re.compile(r"==\d+==\s+(definitely lost|indirectly lost|possibly lost|still reachable): "
                          r"([\d,]+) bytes in ([\d,]+) blocks")
TOTALS_LINE = re.compile(r"==\d+==\s+total heap usage: ([\d,]+) allocs, ([\d,]+) frees")


def memcheck_numbers(out, name):
    """memcheck's four numbers, summed over every log that has a leak summary
    (a log saying all blocks were freed counts zeros)."""
    prefix = f"{name}.memcheck."
    sums = {k: [0, 0] for k in KINDS}
    sums["allocs"] = [0, 0]
    logs = 0
    for f in sorted(os.listdir(out)):
        if not (f.startswith(prefix) and f.endswith(".log")):
            continue
        with open(os.path.join(out, f), encoding="utf-8", errors="replace") as log:
            text = log.read()
        found = SUMMARY_LINE.findall(text)
        for allocs, frees in TOTALS_LINE.findall(text):
            sums["allocs"][0] += int(allocs.replace(",", ""))
            sums["allocs"][1] += int(frees.replace(",", ""))
        if found:
            for kind, nbytes, nblocks in found:
                k = kind.replace(" ", "_")
                sums[k][0] += int(nbytes.replace(",", ""))
                sums[k][1] += int(nblocks.replace(",", ""))
            logs += 1
        elif "All heap blocks were freed" in text:
            logs += 1
    if logs == 0:
        raise ValueError("memcheck wrote no leak summary")
    return sums, logs


def first_diff(a, b):
    """A short description of where two outputs part."""
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: {x[:80]!r} vs {y[:80]!r}"
    return f"{len(la)} vs {len(lb)} lines"


class Checker:
    """Collects the outcome of each check of one program."""

    def __init__(self, name, known):
        self.name, self.known = name, known
        self.failed, self.notes = 0, []

    def check(self, what, ok, detail):
        """A check: ok, or failed, or differing as known.  Returns its cell text."""
        reason = self.known.get((self.name, what))
        if ok and reason is None:
            return "yes"
        if ok:
            self.notes.append(f"{what} agrees now (known-differences.txt says: {reason})")
            print(f"  {self.name}: {what} AGREES NOW, remove it from known-differences.txt", flush=True)
            return "yes"
        if reason is not None:
            self.notes.append(f"{what}: known, {reason}")
            print(f"  {self.name}: {what} differs as known: {detail}", flush=True)
            return "no (known)"
        self.failed += 1
        print(f"  {self.name}: FAIL {what}: {detail}", flush=True)
        return "NO"


def fmt(pair):
    return f"{pair[0]:,}/{pair[1]:,}"


def check_program(p, work, out, known):
    """Runs p in the four ways; returns (failed checks, table row)."""
    print(f"{p['name']}: {' '.join(p['argv'])[:100]}", flush=True)
    runs = {m: run_one(p, m, work, out) for m in ("plain", "full", "sample", "memcheck")}
    c = Checker(p["name"], known)
    plain_rc, plain_out, plain_err = runs["plain"]
    if plain_rc is None:
        c.check("plain", False, "the plain run timed out")
    row = {"program": p["name"] + (" (children traced)" if p["children"] else "")}
    for mode in ("full", "sample"):
        rc, sout, serr = runs[mode]
        row[f"status {mode}"] = c.check(f"status:{mode}", rc == plain_rc,
                                        f"plain {plain_rc}, {mode} {rc}" if rc is not None else "timed out")
        row[f"stdout {mode}"] = c.check(f"stdout:{mode}", sout == plain_out, first_diff(plain_out, sout))
        row[f"stderr {mode}"] = c.check(f"stderr:{mode}", serr == plain_err,
                                        first_diff(plain_err, serr))
    try:
        got, ls_procs = report_numbers(out, p["name"])
        want, vg_procs = memcheck_numbers(out, p["name"])
    except (OSError, ValueError, KeyError) as e:
        c.check("leaks", False, str(e))
        for k in KINDS:
            row[SHORT[k]] = "?"
        row["leaks same"] = "NO"
    else:
        for k in KINDS:
            row[SHORT[k]] = fmt(got[k]) + " / " + fmt(want[k])
        row["allocs/frees"] = fmt(got["allocs"]) + " / " + fmt(want["allocs"])
        same = all(got[k] == want[k] for k in KINDS) and ls_procs == vg_procs
        detail = ", ".join(f"{SHORT[k]} {fmt(got[k])} vs {fmt(want[k])}" for k in KINDS if got[k] != want[k])
        if ls_procs != vg_procs:
            detail += f" ({ls_procs} reports, {vg_procs} memcheck logs)"
        row["leaks same"] = c.check("leaks", same, detail)
        print(f"  leakscope {' '.join(fmt(got[k]) for k in KINDS)} ({ls_procs} processes, "
              f"{fmt(got['allocs'])} allocs/frees); memcheck {' '.join(fmt(want[k]) for k in KINDS)} "
              f"({vg_procs}, {fmt(want['allocs'])})", flush=True)
    row["notes"] = "; ".join(c.notes)
    return c.failed, row


COLUMNS = ("program", "stdout full", "stdout sample", "status full", "status sample",
           "stderr full", "stderr sample", "leaks same", "definitely", "indirectly", "possibly",
           "reachable", "allocs/frees", "notes")


def write_table(path, rows):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(COLUMNS) + " |\n")
        f.write("|" + "---|" * len(COLUMNS) + "\n")
        for row in rows:
            f.write("| " + " | ".join(row.get(c, "").replace("|", "\\|") for c in COLUMNS) + " |\n")
    os.replace(path + ".tmp", path)


# What it runs besides the programs: setarch and valgrind for every run,
# cc for the stand-ins of valgrind's preloads, git and sh for the fixture.
HELPERS = ("setarch", "valgrind", "cc", "git", "sh")


def main(argv):
    fast, table, keep, names, commands = False, None, None, [], False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--fast":
            fast = True
        elif a == "--commands":
            commands = True
        elif a in ("--table", "--keep") and args:
            if a == "--table":
                table = args.pop(0)
            else:
                keep = args.pop(0)
        elif a.startswith("-"):
            print(__doc__.split("Usage: ")[1].split("\n")[0], file=sys.stderr)
            return 2
        else:
            names.append(a)
    unknown = set(names) - {p["name"] for p in PROGRAMS}
    if unknown:
        print(f"realprogs.py: no program named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    try:
        known = load_known(os.path.join(HERE, "known-differences.txt"))
    except (OSError, ValueError) as e:
        print(f"realprogs.py: {e}", file=sys.stderr)
        return 2
    chosen = [p for p in PROGRAMS if (not names or p["name"] in names) and (not fast or p["fast"])]
    if commands:
        print("\n".join(sorted({p["argv"][0] for p in chosen} | set(HELPERS))))
        return 0
    work = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="leakscope-real.")
    os.makedirs(work, exist_ok=True)
    try:
        return run_all(chosen, work, known, table)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def run_all(chosen, work, known, table):
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.makedirs(os.path.join(work, "home"), exist_ok=True)
    shutil.rmtree(os.path.join(work, "fixture"), ignore_errors=True)
    fixtures.make(os.path.join(work, "fixture"), base_env(work))
    try:
        short = make_preloads(work)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"realprogs.py: {e}", file=sys.stderr)
        return 1
    try:
        return run_programs(chosen, work, out, known, table)
    finally:
        shutil.rmtree(short, ignore_errors=True)


def run_programs(chosen, work, out, known, table):
    failed, rows, ran = 0, [], 0
    for p in chosen:
        if shutil.which(p["argv"][0]) is None:
            print(f"{p['name']}: {p['argv'][0]} is not installed, left out")
            continue
        ran += 1
        n, row = check_program(p, work, out, known)
        failed += n
        rows.append(row)
    if table:
        write_table(table, rows)
    print(f"{ran} programs, {failed} failed checks")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
