# test_privileges.sh: a child that drops its privileges still gets its
# report.  Run as root, a program forks a child that becomes nobody
# (setuid, setresuid, setreuid) and leaks 77 bytes: under `leakscope run`
# (its directory lets every user create files) and with the agent
# preloaded by hand into a directory of root's, mode 0755 (the agent makes
# the child's snapshot file for nobody before the drop), both processes'
# snapshots are written and the child's holds its leak.
. "$(dirname "$0")/../harness/common.sh"
[ "$(id -u)" = 0 ] || skip "not root: no privileges to drop"
cd "$T" || exit 2
chmod 755 "$T"
prog="$PROGS/host_drop"

for how in setuid setresuid setreuid; do
  "$prog" $how || fail "$how alone: exit $?"
  "$LEAKSCOPE" run -- "$prog" $how >run.out 2>run.err || fail "$how under run: exit $? $(cat run.err)"
  grep -q "cannot write" run.err && fail "$how under run: $(cat run.err)"
  grep -q "77 bytes in 1 blocks are definitely lost" run.err || fail "$how under run: no report of the child: $(cat run.err)"

  rm -rf snaps && mkdir snaps && chmod 755 snaps
  LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/snaps/raw.%p" "$prog" $how >pre.out 2>pre.err ||
    fail "$how preloaded: exit $? $(cat pre.err)"
  grep -q "cannot write" pre.err && fail "$how preloaded: the child could not write: $(cat pre.err)"
  [ "$(ls snaps | wc -l)" -eq 2 ] || fail "$how preloaded: want the parent's and the child's snapshots: $(ls -l snaps)"
  found=0
  for raw in snaps/raw.*; do
    "$LEAKSCOPE" report "$raw" >rep.out 2>&1 || fail "$how preloaded: report $raw: $(cat rep.out)"
    grep -q "77 bytes in 1 blocks are definitely lost" rep.out && found=1
  done
  [ $found = 1 ] || fail "$how preloaded: no snapshot holds the child's 77 bytes: $(cat rep.out)"
done
echo ok
