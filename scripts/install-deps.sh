#!/bin/sh
# install-deps.sh: install the Debian packages leakscope builds and tests with, if missing.
# Run by `make deps` (and so by `make demo`) and by .ci/run.  With --check it installs
# nothing: it names what is missing and fails (`make test` runs it so).
# The last line is what tests/real runs besides (tests/real/test_deps.sh).
set -e
check_only=0
[ "${1:-}" = "--check" ] && check_only=1
PKGS="gcc g++ make pkg-config libunwind-dev libdw-dev libelf-dev zlib1g-dev libexpat1-dev
libyaml-dev libjansson-dev libmicrohttpd-dev valgrind sqlite3 perl python3 libpython3.11-testsuite git jq
golang-go prometheus strace
gawk xz-utils zstd file openssl vim tcl gdb nodejs cmake"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ $check_only = 1 ]; then
  echo "leakscope: missing packages:$missing (run 'make deps' as root first)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "leakscope: missing packages:$missing (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
