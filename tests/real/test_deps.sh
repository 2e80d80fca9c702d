#!/bin/sh
# test_deps.sh: every command tests/real/realprogs.py runs (its programs and
# its own helpers) comes from a Debian package that scripts/install-deps.sh
# installs (or that one of those depends on), or from one every Debian
# system has (priority required), so
# that a fresh machine runs the whole set after `make deps`; a command
# that is not installed at all fails too.
. "$(dirname "$0")/../harness/common.sh"
command -v dpkg-query >/dev/null || skip "not a Debian system (no dpkg-query)"
here="$(cd "$(dirname "$0")" && pwd)"
deps="$here/../../scripts/install-deps.sh"
listed=$(sed -n '/^PKGS="/,/"$/p' "$deps" | tr -d '"' | sed 's/^PKGS=//' | tr ' \n' '\n\n' | sed '/^$/d')
[ -n "$listed" ] || fail "no PKGS in $deps"

# and what they depend on directly (python3 pre-depends on python3-minimal)
# shellcheck disable=SC2086  # the packages are words
pulled=$(dpkg-query -W -f='${Depends},${Pre-Depends}\n' $listed 2>/dev/null | tr ',|' '\n\n' |
  sed 's/([^)]*)//; s/:any//; s/^ *//; s/ *$//' | sed '/^$/d')

# 0 when package p is installed by install-deps.sh (or with one of its) or required
provided() {
  printf '%s\n%s\n' "$listed" "$pulled" | grep -qx "$1" && return 0
  [ "$(dpkg-query -W -f='${Priority}' "$1" 2>/dev/null)" = required ]
}

$PY "$here/realprogs.py" --commands >"$T/commands" || fail "realprogs.py --commands failed"
[ -s "$T/commands" ] || fail "realprogs.py --commands printed nothing"
# each command's paths: as found, as dpkg may know it (/usr/bin/X as /bin/X), resolved
bad=""
: >"$T/paths"
while read -r cmd; do
  path=$(command -v "$cmd") || { bad="$bad $cmd (not installed)"; continue; }
  printf '%s %s %s %s\n' "$cmd" "$path" "/bin/${path#/usr/bin/}" "$(readlink -f "$path")" >>"$T/paths"
done <"$T/commands"
# one dpkg -S for them all (it reads every package's file list)
# shellcheck disable=SC2046  # the paths are words
dpkg -S $(cut -d' ' -f2- "$T/paths") 2>/dev/null | sed 's/, /,/g' >"$T/owners"
while read -r cmd paths; do
  ok=0 owners=""
  for f in $paths; do
    for p in $(sed -n "s|^\([^ ]*\): $f\$|\1|p" "$T/owners" | tr ',' ' '); do
      owners="$owners $p"
      provided "$p" && ok=1
    done
  done
  [ $ok = 1 ] || bad="$bad $cmd ($(printf "%s\n" $owners | sort -u | tr "\n" " "))"
done <"$T/paths"
[ -z "$bad" ] || fail "commands of tests/real whose package install-deps.sh leaves out:$bad"
echo ok
