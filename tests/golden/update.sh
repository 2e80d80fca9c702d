#!/bin/sh
# update.sh: regenerate tests/golden/expected/ from the current command
# (build it first: make test-build).  It runs test_golden.sh's cases, with
# the same normalization, into a fresh directory and puts that in place of
# expected/.  Review the change before committing it:
#   sh tests/golden/update.sh && git diff --stat tests/golden/expected
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/leakscope-golden.XXXXXX) || exit 2
trap 'rm -rf "$out"' EXIT
GOLDEN_OUT="$out/expected" sh "$here/test_golden.sh" || { echo "update.sh: the cases did not run" >&2; exit 1; }
rm -rf "$here/expected" && cp -r "$out/expected" "$here/expected" || exit 2
echo "update.sh: wrote $(ls "$here/expected" | wc -l) cases to $here/expected"
