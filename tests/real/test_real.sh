#!/bin/sh
# test_real.sh: leakscope on real programs (sqlite3, python3 with and
# without PYTHONMALLOC=malloc, perl, git).  For each command: stdout,
# stderr and exit status are the same with and without
# `leakscope run --report R --`, the report exists and parses, and its
# summary agrees with Valgrind memcheck run here on the same command:
# definitely and indirectly lost within 1 % (or 64 bytes), possibly lost
# within 5 % (or 64 bytes).  A program that is not installed is left out;
# the test is skipped when valgrind or all the programs are missing.
. "$(dirname "$0")/../harness/common.sh"
accuracy="$(cd "$(dirname "$0")/../accuracy" && pwd)"
command -v valgrind >/dev/null || skip "valgrind is not installed"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
bad=0 ran=0

mismatch() {
  echo "MISMATCH $*"
  bad=$((bad + 1))
}

# within NAME FIELD MEMCHECK LEAKSCOPE PERCENT: |a - b| <= max(64, PERCENT % of a)
within() {
  if ! awk -v a="$3" -v b="$4" -v pct="$5" 'BEGIN {
      d = a - b; if (d < 0) d = -d
      slack = a * pct / 100; if (slack < 64) slack = 64
      exit !(d <= slack) }'; then
    mismatch "$1 $2: memcheck $3, leakscope $4 (more than $5 % and 64 bytes apart)"
  fi
}

# real NAME INPUT ENV CMD...: ENV is "VAR=VALUE ..." or "" (no spaces in values).
real() {
  name=$1 input=$2 envs=$3
  shift 3
  command -v "$1" >/dev/null || { echo "$name: $1 is not installed, left out"; return; }
  ran=$((ran + 1))
  env $envs "$@" <"$input" >"$T/$name.plain.out" 2>"$T/$name.plain.err"
  plain_rc=$?
  env $envs timeout -k 5 120 "$LEAKSCOPE" run --quiet --report "$T/$name.json" -- "$@" \
    <"$input" >"$T/$name.ls.out" 2>"$T/$name.ls.err"
  ls_rc=$?
  env $envs valgrind --leak-check=full --show-leak-kinds=all --log-file="$T/$name.vg.log" "$@" \
    <"$input" >"$T/$name.vg.out" 2>/dev/null
  [ "$ls_rc" = "$plain_rc" ] || mismatch "$name exit status: plain $plain_rc, under leakscope $ls_rc"
  cmp -s "$T/$name.plain.out" "$T/$name.ls.out" ||
    mismatch "$name stdout differs under leakscope: $(diff "$T/$name.plain.out" "$T/$name.ls.out" | head -n 4 | tr '\n' ' ')"
  cmp -s "$T/$name.plain.err" "$T/$name.ls.err" ||
    mismatch "$name stderr differs under leakscope: $(diff "$T/$name.plain.err" "$T/$name.ls.err" | head -n 4 | tr '\n' ' ')"
  if ! want=$(sh "$accuracy/vg-summary.sh" "$T/$name.vg.log" 2>&1); then
    mismatch "$name: memcheck gave no summary: $want"
    return
  fi
  if ! got=$($PY "$accuracy/report-summary.py" "$T/$name.json" 2>&1); then
    mismatch "$name report: $got"
    return
  fi
  echo "$name: memcheck [$want] leakscope [$got]"
  set -- $want
  wd=$1 wi=$3 wp=$5
  set -- $got
  within "$name" definitely_lost.bytes "$wd" "$1" 1
  within "$name" indirectly_lost.bytes "$wi" "$3" 1
  within "$name" possibly_lost.bytes "$wp" "$5" 5
}

cat >"$T/script.sql" <<'SQL'
CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
INSERT INTO fruit(name, qty) VALUES ('apple', 3), ('pear', 5), ('apple', 4), ('fig', 1);
CREATE INDEX fruit_name ON fruit(name);
SELECT name, SUM(qty), COUNT(*) FROM fruit GROUP BY name ORDER BY name;
SQL
real sqlite3 "$T/script.sql" "" sqlite3 -batch :memory:

pyscript='import json; d = {"k%d" % i: list(range(i)) for i in range(20)}; print(json.dumps(d["k5"]), sum(map(len, d.values())))'
real python3 /dev/null "" /usr/bin/python3 -c "$pyscript"
real python3-malloc /dev/null "PYTHONMALLOC=malloc" /usr/bin/python3 -c "$pyscript"

real perl /dev/null "" perl -e 'my %h; $h{"key$_"} = $_ * 2 for 1 .. 200;
  my @k = grep { /^key1\d+$/ } sort keys %h; (my $s = join(",", @k[0 .. 4])) =~ s/key/k/g;
  print scalar(@k), " $s\n"; print "$1\n" if "order-4711-x" =~ /-(\d+)-/;'

if command -v git >/dev/null; then
  mkdir "$T/home"
  export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com \
    GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com \
    GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
  repo="$T/repo"
  { git init -q "$repo" && echo one >"$repo/a" && git -C "$repo" add a &&
    git -C "$repo" commit -q -m first && echo two >"$repo/b" && git -C "$repo" add b &&
    git -C "$repo" commit -q -m second; } || fail "cannot make a git repository in $repo"
  real git-version /dev/null "" git --version
  real git-log /dev/null "" git -C "$repo" --no-pager log --oneline
fi

[ $ran -gt 0 ] || skip "none of sqlite3, python3, perl, git is installed"
echo "$ran real commands checked, $bad mismatches"
[ $bad -eq 0 ] || fail "$bad mismatches on real programs"
