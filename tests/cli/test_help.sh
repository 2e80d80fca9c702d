#!/bin/sh
# The command line as a new user meets it: every option of every command's
# table (read from the source, so an option left out of the help is found)
# is in `leakscope help CMD`, in `CMD --help` and in the man page; the man
# page is what scripts/gen-man.py makes of the help; --version; "did you
# mean" for a mistyped command or option; both forms of an option's value;
# an option's value is never "--"; `make install` installs the man page and
# the bash completion, which completes options from the command.
. "$(dirname "$0")/../harness/common.sh"
R=$LEAKSCOPE_ROOT

for cmd in run attach report diff gate flame retain; do
  src=$R/cli/$cmd.c
  [ $cmd = retain ] && src=$R/cli/retain_cmd.c
  # the names of the table's options that are not OPT_HIDDEN
  sed -n "/^const opt_spec cmd_${cmd}_opts\[\] = {/,/{NULL, 0, NULL, NULL}/p" "$src" |
    grep -v OPT_HIDDEN | sed -n 's/^ *\[[A-Z_]*\] = {"\(-[^"]*\)".*/\1/p' >"$T/opts.$cmd"
  [ -s "$T/opts.$cmd" ] || fail "no options found in $src's table"
  "$LEAKSCOPE" help $cmd >"$T/help.$cmd" || fail "help $cmd: exit $?"
  "$LEAKSCOPE" $cmd --help >"$T/help2.$cmd" || fail "$cmd --help: exit $?"
  cmp -s "$T/help.$cmd" "$T/help2.$cmd" || fail "help $cmd and $cmd --help differ"
  "$LEAKSCOPE" $cmd -h | cmp -s - "$T/help.$cmd" || fail "$cmd -h differs from help $cmd"
  while read -r opt; do
    # listed with a help text of its own: "  --name[ VALUE]  text"
    grep -q -- "^  $opt[ =[].* [a-z(\`]" "$T/help.$cmd" || grep -q -- "^  $opt  " "$T/help.$cmd" ||
      fail "$cmd --help does not describe $opt: $(cat "$T/help.$cmd")"
    manopt=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    sed -n "/^\.SS $cmd\$/,/^\.S[SH] /p" "$R/docs/leakscope.1" | grep -q "^\.B $manopt" ||
      fail "the man page's $cmd section lacks $opt"
  done <"$T/opts.$cmd"
done
python3 "$R/scripts/gen-man.py" "$LEAKSCOPE" >"$T/leakscope.1" || fail "gen-man.py failed"
diff -u "$R/docs/leakscope.1" "$T/leakscope.1" >"$T/man.diff" ||
  fail "docs/leakscope.1 is out of date (make man): $(head -20 "$T/man.diff")"

"$LEAKSCOPE" --version >"$T/v" || fail "--version: exit $?"
grep -Eq '^leakscope [0-9]+\.[0-9]+\.[0-9]+$' "$T/v" || fail "--version printed: $(cat "$T/v")"
"$LEAKSCOPE" --help | grep -q "leakscope help COMMAND" || fail "--help does not say how to get a command's help"

expect_usage_error "a mistyped command" "$LEAKSCOPE" reprot x.json
grep -q "did you mean 'report'" "$T/err" || fail "no suggestion for reprot: $(cat "$T/err")"
expect_usage_error "help for no such command" "$LEAKSCOPE" help flam
grep -q "did you mean 'flame'" "$T/err" || fail "no suggestion for help flam: $(cat "$T/err")"
expect_usage_error "a mistyped option of run" "$LEAKSCOPE" run --sho-reachable -- /bin/true
grep -q "did you mean '--show-reachable'" "$T/err" || fail "no suggestion: $(cat "$T/err")"
expect_usage_error "a mistyped option of report" "$LEAKSCOPE" report --tpo 3 x.json
grep -q "did you mean '--top'" "$T/err" || fail "no suggestion: $(cat "$T/err")"
expect_usage_error "a mistyped option of diff" "$LEAKSCOPE" diff --sampletype alloc_space a b
grep -q "did you mean '--sample-type'" "$T/err" || fail "no suggestion: $(cat "$T/err")"
expect_usage_error "a far-off option" "$LEAKSCOPE" report --frobnicate x.json
grep -q "did you mean" "$T/err" && fail "a suggestion for --frobnicate: $(cat "$T/err")"

# an option's value is never "--": nothing written, nothing run
cd "$T" || fail "cd $T"
expect_usage_error "run --report -- PROG" "$LEAKSCOPE" run --report -- /bin/true
grep -q -- "--report needs a value" "$T/err" || fail "run --report --: $(cat "$T/err")"
[ -e "$T/--" ] && fail "run --report -- wrote a file named --"
expect_usage_error "run --xml=--" "$LEAKSCOPE" run --xml=-- -- /bin/true
expect_usage_error "report --json --" "$LEAKSCOPE" report x.json --json --
# --sample takes its value only with "=": the next argument is not it, and
# one that looks like it is named
expect_usage_error "run --sample 64K PROG" "$LEAKSCOPE" run --sample 64K /bin/true
grep -q -- "--sample=64K" "$T/err" || fail "run --sample 64K: $(cat "$T/err")"
expect_usage_error "run --watch 30 PROG" "$LEAKSCOPE" run --watch 30 /bin/true
grep -q -- "--watch takes a value only as --watch=30" "$T/err" || fail "run --watch 30: $(cat "$T/err")"
"$LEAKSCOPE" run --sample /bin/true || fail "run --sample PROG (no value) does not run PROG"
expect_usage_error "attach --sample 64K PID" "$LEAKSCOPE" attach --sample 64K 1
grep -q -- "--sample=64K" "$T/err" || fail "attach --sample 64K: $(cat "$T/err")"
# every optional value ("[=VALUE]") is said to come only after "="
for cmd in run attach report diff gate flame retain; do
  "$LEAKSCOPE" help $cmd | $PY -c '
import re, sys
lines = sys.stdin.read().split("\n")
for i, line in enumerate(lines):
    m = re.match(r"^  (--[a-z-]+)\[=([^]]+)\]", line)
    if m:
        rest = []
        for l in lines[i + 1:]:
            if not l.startswith("    "): break
            rest.append(l)
        want = "only as %s=%s" % m.groups()
        assert any(want in l for l in rest), "%s: no \"%s\" in %s" % (m.group(1), want, rest)
' || fail "$cmd's help does not say how an optional value is given"
done

# both forms of every value, in every command: --top N and --top=N
G=$R/tests/golden/inputs
in=$(ls "$G"/*.raw | head -1)
"$LEAKSCOPE" report --top 1 "$in" >"$T/a" || fail "report --top 1: exit $?"
"$LEAKSCOPE" report --top=1 "$in" >"$T/b" || fail "report --top=1: exit $?"
cmp -s "$T/a" "$T/b" || fail "report --top 1 and --top=1 differ"
"$LEAKSCOPE" diff --top=2 --sample-type=alloc_space "$in" "$in" >"$T/a" || fail "diff with --opt=V: exit $?"
"$LEAKSCOPE" diff --top 2 --sample-type alloc_space "$in" "$in" >"$T/b" || fail "diff with --opt V: exit $?"
cmp -s "$T/a" "$T/b" || fail "diff --top=2 and --top 2 differ"
"$LEAKSCOPE" run --depth=8 --show-reachable -- /bin/true 2>"$T/err" || fail "run --depth=8: $(cat "$T/err")"

# make install: the man page and the completion (-o all: never rebuild what other tests run meanwhile)
make -s -C "$R" -o all install DESTDIR="$T/inst" PREFIX=/usr >"$T/install.log" 2>&1 || fail "make install: $(tail -5 "$T/install.log")"
[ -f "$T/inst/usr/share/man/man1/leakscope.1" ] || fail "make install did not install the man page"
comp=$T/inst/usr/share/bash-completion/completions/leakscope
[ -f "$comp" ] || fail "make install did not install the bash completion"
if [ -x /bin/bash ]; then
  PATH=$(dirname "$LEAKSCOPE"):$PATH /bin/bash -c '
    . "$1"
    COMP_WORDS=(leakscope run --show-r); COMP_CWORD=2; _leakscope; echo "${COMPREPLY[*]}"
    COMP_WORDS=(leakscope rep); COMP_CWORD=1; _leakscope; echo "${COMPREPLY[*]}"
    COMP_WORDS=(leakscope flame --inv); COMP_CWORD=2; _leakscope; echo "${COMPREPLY[*]}"
    COMP_WORDS=(leakscope gate --dep); COMP_CWORD=2; _leakscope; echo "${COMPREPLY[*]}"' _ "$comp" >"$T/comp" ||
    fail "the completion failed"
  [ "$(sed -n 1p "$T/comp")" = "--show-reachable" ] || fail "completion of run --show-r: $(sed -n 1p "$T/comp")"
  [ "$(sed -n 2p "$T/comp")" = "report" ] || fail "completion of rep: $(sed -n 2p "$T/comp")"
  [ "$(sed -n 3p "$T/comp")" = "--inverted" ] || fail "completion of flame --inv: $(sed -n 3p "$T/comp")"
  [ "$(sed -n 4p "$T/comp")" = "--depth" ] || fail "completion of gate --dep: $(sed -n 4p "$T/comp")"
fi
exit 0
