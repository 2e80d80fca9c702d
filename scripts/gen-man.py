#!/usr/bin/env python3
# gen-man.py: writes docs/leakscope.1, the man page, from the command's own
# help (`leakscope --help`, `leakscope help CMD`), which main.c writes from
# each command's option table; so the man page lists exactly the options
# the command reads.  tests/cli/test_help.sh checks the page is up to date.
#
#   python3 scripts/gen-man.py build/leakscope > docs/leakscope.1
import re
import subprocess
import sys


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.M)


def main():
    leakscope = sys.argv[1]
    version = run(leakscope, "--version").split()[-1]
    commands = []
    for line in run(leakscope, "--help").splitlines():
        m = re.match(r"^  ([a-z]+)  +(.*)$", line)
        if m:
            commands.append((m.group(1), m.group(2)))
    out = [
        '.TH LEAKSCOPE 1 "" "leakscope %s" "User Commands"' % version,
        ".SH NAME",
        "leakscope \\- memory-leak detector and heap profiler for C and C++ programs",
        ".SH SYNOPSIS",
    ]
    for name, _ in commands:
        usage = run(leakscope, "help", name).splitlines()[0]
        out += [".PP", ".B " + roff(usage[len("usage: "):])]
    out += [
        ".SH DESCRIPTION",
        "leakscope runs a program with a small agent preloaded and reports its leaks as Valgrind",
        "memcheck does, profiles its heap (sampled, pprof), serves it live, and checks the results",
        "against thresholds in CI. Every option with a value takes it as",
        ".B \\-\\-name VALUE",
        "or",
        ".BR \\-\\-name=VALUE ;",
        "an option whose value is optional (shown as",
        ".BR [=VALUE] )",
        "takes it only after",
        ".BR = .",
        "A value is never",
        ".BR \\-\\- .",
        ".PP",
        ".B leakscope \\-\\-version",
        "prints the version;",
        ".B leakscope help",
        ".I COMMAND",
        "(or",
        ".B leakscope",
        ".I COMMAND",
        ".BR \\-\\-help )",
        "prints a command's options.",
        ".SH COMMANDS",
    ]
    for name, summary in commands:
        text = run(leakscope, "help", name).splitlines()
        about, options, in_options = [], [], False
        for line in text[2:]:
            if line == "options:":
                in_options = True
            elif in_options:
                options.append(line)
            elif line:
                about.append(line)
        out += [".SS " + name, roff(" ".join(about))]
        for line in options:
            m = re.match(r"^  (\S.*?)(?:  +(.*))?$", line)
            if m and not line.startswith("   "):
                out += [".TP", ".B " + roff(m.group(1))]
                if m.group(2):
                    out.append(roff(m.group(2)))
            else:
                out.append(roff(line.strip()))
    out += [
        ".SH EXIT STATUS",
        ".B run",
        "exits with the program's status (or",
        ".BR \\-\\-error\\-exitcode 's",
        "when leaks were found);",
        ".B gate",
        "exits 1 when a threshold is passed. A wrong option or an unreadable or malformed input",
        "is one line on stderr and exit status 2.",
        ".SH ENVIRONMENT",
        ".TP",
        ".B LEAKSCOPE_AGENT",
        "the agent library to preload, when it is not beside the command",
        ".SH SEE ALSO",
        ".BR valgrind (1),",
        ".BR heaptrack (1),",
        ".BR pprof (1)",
    ]
    sys.stdout.write("\n".join(out) + "\n")


main()
