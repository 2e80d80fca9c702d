#!/bin/sh
# test_budget_cgroup.sh: --budget PCT%[,warn|dump|abort] is that share of
# the memory limit of the cgroup leakscope (and so PROG) runs in: cgroup v1's
# memory.limit_in_bytes, v2's memory.max, the lowest from the process's
# cgroup up to the root.  Each case runs in a private mount namespace
# (unshare -m) with fake cgroup files bind-mounted over /sys/fs/cgroup and
# over the process's own /proc/PID/cgroup (the shell execs leakscope, so
# the pid is the same); the machine's real cgroups are never written.  No
# limit, or a percentage over 100: one line, exit 2.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/budget_grow"  # grows to 40 MiB
[ "$(id -u)" = 0 ] || skip "needs root for unshare -m and bind mounts"
unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
cd "$T" || fail "no scratch directory"

# in_cgroup PROC_CGROUP_FILE SYS_FS_CGROUP_DIR leakscope-arguments...
in_cgroup() {
  proc=$1 sys=$2; shift 2
  unshare -m sh -c 'mount --bind "$1" /proc/$$/cgroup && mount --bind "$2" /sys/fs/cgroup && shift 2 && exec "$@"' \
    sh "$proc" "$sys" "$LEAKSCOPE" "$@"
}
MiB=1048576
UNLIMITED=9223372036854771712

# cgroup v1: the limit of the process's own cgroup, under an unlimited root
mkdir -p v1/memory/svc/inner
echo $UNLIMITED >v1/memory/memory.limit_in_bytes
echo $((20 * MiB)) >v1/memory/svc/memory.limit_in_bytes
echo $UNLIMITED >v1/memory/svc/inner/memory.limit_in_bytes
printf '5:cpu,cpuacct:/svc\n4:memory:/svc\n0::/\n' >v1.cgroup
in_cgroup "$T/v1.cgroup" "$T/v1" run --budget 50%,warn -- "$P" >out 2>err || fail "v1: run failed: $(cat err)"
grep -q "grown 40 MiB" out || fail "v1: the program's output changed: $(cat out)"
[ "$(grep -c 'passed the budget' err)" -eq 1 ] || fail "v1: want one budget warning: $(cat err)"
grep -q "passed the budget of 10.0 MiB (50% of the cgroup's memory limit 20.0 MiB, /sys/fs/cgroup/memory/svc/memory.limit_in_bytes); largest site.* at grow_step (budget_grow.c:" err ||
  fail "v1: the message does not name the budget, the limit and the largest site: $(cat err)"

# v1: a parent's limit when the process's own cgroup has none
printf '4:memory:/svc/inner\n' >v1inner.cgroup
echo $((16 * MiB)) >v1/memory/svc/memory.limit_in_bytes
in_cgroup "$T/v1inner.cgroup" "$T/v1" run --sample --budget 50% -- "$P" >out 2>err || fail "v1 parent: $(cat err)"
grep -q "passed the budget of 8.0 MiB (50% of the cgroup's memory limit 16.0 MiB, /sys/fs/cgroup/memory/svc/memory.limit_in_bytes)" err ||
  fail "v1 parent: the parent's limit is not used: $(cat err)"

# cgroup v2: memory.max; abort says so without quoting the option
mkdir -p v2/svc
echo max >v2/memory.max
echo $((24 * MiB)) >v2/svc/memory.max
printf '0::/svc\n' >v2.cgroup
in_cgroup "$T/v2.cgroup" "$T/v2" run --budget 50%,abort --output-dir "$T" -- "$P" >out 2>err; rc=$?
[ $rc -eq 134 ] || fail "v2 abort: exit $rc, want 134: $(cat err)"
grep -q "passed the budget of 12.0 MiB (50% of the cgroup's memory limit 24.0 MiB, /sys/fs/cgroup/svc/memory.max).*profile written to $T/leakscope-budget\..*the program is aborted" err ||
  fail "v2 abort: $(cat err)"
grep -q -- "(--budget" err && fail "v2 abort: the message quotes the option: $(cat err)"

# no limit anywhere; a share over 100%; no memory cgroup at all
echo max >v2/svc/memory.max
expect_usage_error "v2 without a limit" in_cgroup "$T/v2.cgroup" "$T/v2" run --budget 80% -- "$P"
grep -q "no memory limit" "$T/err" || fail "no limit: $(cat "$T/err")"
[ -s "$T/out" ] && fail "no limit: the program ran: $(cat "$T/out")"
expect_usage_error "--budget 150%" "$LEAKSCOPE" run --budget 150% -- "$P"
expect_usage_error "--budget 0%" "$LEAKSCOPE" run --budget 0% -- "$P"
expect_usage_error "--budget x%" "$LEAKSCOPE" run --budget x% -- "$P"
printf '3:cpu:/\n' >none.cgroup
expect_usage_error "no memory cgroup" in_cgroup "$T/none.cgroup" "$T/v2" run --budget 80% -- "$P"
exit 0
