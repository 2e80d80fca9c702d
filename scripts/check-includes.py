#!/usr/bin/python3
"""check-includes.py: the include rule of docs/ARCHITECTURE.md, checked.

Reads every `#include "..."` of cli/ and of agent/ and prints one line per violation, `file:line: what`, then
exits 1; exits 0 when there is none.  A violation is an include that

  - names a header that does not exist (searched as the compiler does with
    -Icli -Iinclude -Iagent, without the including file's own folder:
    includes are written with their folder, "model/snapshot.h");
  - points up a layer, or sideways to another folder of the same layer
    (read, analyze and render never include each other).

Run from anywhere: scripts/check-includes.py [ROOT] (ROOT: the repository,
by default this script's parent folder).  Python 3, standard library only.
"""
import os
import re
import sys

# ---- rules ------------------------------------------------------------------

# The command's layers, lowest first.  A file may include the headers of its
# own folder and of lower layers, never those of a higher layer or of another
# folder of its own layer.  "" is the top of cli/: main.c and one file per
# command.
CLI_LAYERS = [
    ["util"],
    ["model"],
    ["read", "analyze", "render"],
    ["pipeline"],
    ["live"],
    ["gate", "http"],
    [""],
]

# Header folders outside cli/ that its files may include (they are on the
# command's include path), with the lowest layer allowed to: include/ holds
# the public headers; agent/ is for the commands only (the agent's option
# table, shared with run.c).
CLI_EXTERNAL = {"include": 0, "agent": len(CLI_LAYERS) - 1}

# The agent's modules in their order (docs/ARCHITECTURE.md, "The agent's
# modules"): a file of agent/ may include its own module's headers and those
# of modules before it, never one after.  A module is a file name without
# its extension (hooks.c and hooks.h are the module "hooks"); the files of
# agent/unwind/ are the module "unwind".
AGENT_ORDER = [
    "base", "glibc", "spin", "slots", "options", "failures", "sys", "ticks", "state", "tstate",
    "maps", "scanindex", "stacktab", "lifetimes", "blocks", "sampler", "chunks", "unwind", "threads", "world", "modules", "got", "scan",
    "snapwrite", "livescan", "stats", "trigger", "control", "signals", "children", "record",
    "agent", "hooks", "attach", "api",
]
AGENT_RANKS = {module: rank for rank, module in enumerate(AGENT_ORDER)}
AGENT_FOLDERS = {"unwind"}  # subfolders that are one module each

# -----------------------------------------------------------------------------

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE = (".c", ".h", ".def")


def cli_layer(folder):
    for rank, folders in enumerate(CLI_LAYERS):
        if folder in folders:
            return rank
    return None


def sources(root, top):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield lineno, m.group(1)


def resolve(root, name, search):
    """The repository path of header name on the search path, or None."""
    for d in search:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def check_cli(root, problems):
    search = ["cli", "include", "agent"]
    for path in sources(root, "cli"):
        parts = path.split(os.sep)
        folder = parts[1] if len(parts) > 2 else ""
        rank = cli_layer(folder)
        if rank is None:
            problems.append(f"{path}:1: folder cli/{folder} is not in CLI_LAYERS")
            continue
        for lineno, name in includes(root, path):
            where = f"{path}:{lineno}"
            target = resolve(root, name, search)
            if target is None:
                own = os.path.join(os.path.dirname(path), name)
                if os.path.isfile(os.path.join(root, own)):
                    problems.append(f'{where}: "{name}": write it with its folder, '
                                    f'"{os.path.relpath(own, "cli")}"')
                else:
                    problems.append(f'{where}: "{name}": no such header')
                continue
            tparts = target.split(os.sep)
            if tparts[0] != "cli":
                lowest = CLI_EXTERNAL.get(tparts[0])
                if lowest is None or rank < lowest:
                    problems.append(f'{where}: "{name}": {tparts[0]}/ is not for '
                                    f'{"cli/" + folder if folder else "the commands"}')
                continue
            tfolder = tparts[1] if len(tparts) > 2 else ""
            trank = cli_layer(tfolder)
            if tfolder == folder:
                continue
            here = f"cli/{folder}" if folder else "the commands"
            there = f"cli/{tfolder}" if tfolder else "the commands"
            if trank is None:
                problems.append(f'{where}: "{name}": {there} is not in CLI_LAYERS')
            elif trank > rank:
                problems.append(f'{where}: "{name}": up a layer ({here} may not include {there})')
            elif trank == rank:
                problems.append(f'{where}: "{name}": sideways ({here} and {there} are one layer)')


def agent_module(path):
    parts = path.split(os.sep)
    if len(parts) > 2 and parts[1] in AGENT_FOLDERS:
        return parts[1]
    return os.path.splitext(os.path.basename(path))[0]


def check_agent(root, problems):
    search = ["agent", "include"]
    for path in sources(root, "agent"):
        module = agent_module(path)
        rank = AGENT_RANKS.get(module)
        if rank is None:
            problems.append(f"{path}:1: module {module} is not in AGENT_RANKS")
            continue
        for lineno, name in includes(root, path):
            where = f"{path}:{lineno}"
            target = resolve(root, name, [os.path.dirname(path)] + search)
            if target is None:
                problems.append(f'{where}: "{name}": no such header')
                continue
            if not target.startswith("agent" + os.sep):
                continue
            tmodule = agent_module(target)
            trank = AGENT_RANKS.get(tmodule)
            if trank is None:
                problems.append(f'{where}: "{name}": module {tmodule} is not in AGENT_RANKS')
            elif trank > rank:
                problems.append(f'{where}: "{name}": {module} comes before {tmodule} in '
                                f'AGENT_ORDER and may not include it')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    problems = []
    check_cli(root, problems)
    check_agent(root, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
