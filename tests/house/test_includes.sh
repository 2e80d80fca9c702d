#!/bin/sh
# test_includes.sh: the include rule of docs/ARCHITECTURE.md holds: every
# #include "..." of cli/ names a header that exists, written with its
# folder, of its own folder or a lower layer (scripts/check-includes.py
# says which line breaks it).
. "$(dirname "$0")/../harness/common.sh"
out=$($PY "$LEAKSCOPE_ROOT/scripts/check-includes.py" "$LEAKSCOPE_ROOT") ||
  fail "include rule broken:
$out"
echo "test_includes: every include follows the layers"
