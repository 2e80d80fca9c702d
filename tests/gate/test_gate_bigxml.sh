#!/bin/sh
# test_gate_bigxml.sh: a 200 MB valgrind XML file (generated here, ~270,000
# leak errors with distinct stacks) is checked in bounded memory: the gate
# streams it, so its peak RSS stays under 64 MB, and its totals are exact.
. "$(dirname "$0")/../harness/common.sh"
[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
cd "$T" || exit 1
$PY - <<'EOF' || fail "generator"
import sys
head = """<?xml version="1.0"?>
<valgrindoutput>
<protocolversion>4</protocolversion>
<protocoltool>memcheck</protocoltool>
<pid>1</pid>
<ppid>1</ppid>
<tool>memcheck</tool>
<status><state>FINISHED</state><time>00:00:00:01.000 </time></status>
"""
err = """<error>
  <unique>0x%x</unique>
  <tid>1</tid>
  <kind>%s</kind>
  <xwhat>
    <text>%s</text>
    <leakedbytes>%d</leakedbytes>
    <leakedblocks>%d</leakedblocks>
  </xwhat>
  <stack>
    <frame>
      <ip>0x48417B4</ip>
      <obj>/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so</obj>
      <fn>malloc</fn>
    </frame>
    <frame>
      <ip>0x%X</ip>
      <obj>/srv/app/bin/server</obj>
      <fn>alloc_site_%d</fn>
      <dir>/srv/app/src/module_%d</dir>
      <file>file_%d.c</file>
      <line>%d</line>
    </frame>
    <frame>
      <ip>0x%X</ip>
      <obj>/srv/app/bin/server</obj>
      <fn>main</fn>
      <dir>/srv/app/src</dir>
      <file>main.c</file>
      <line>42</line>
    </frame>
  </stack>
</error>

"""
kinds = ["Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost", "Leak_StillReachable"]
words = ["definitely lost", "indirectly lost", "possibly lost", "still reachable"]
totals = [0, 0, 0, 0]
target = 200 * 1000 * 1000
size = 0
i = 0
with open("big.xml", "w") as f:
    f.write(head)
    buf = []
    while size < target:
        k = i % 4
        direct = 16 + (i * 7919) % 100000
        blocks = 1 + i % 5
        if k == 0 and i % 8 == 0:
            ind = 8 * (i % 13)
            text = "%d (%d direct, %d indirect) bytes in %d blocks are %s in loss record %d of 999999" % (
                direct + ind, direct, ind, blocks, words[k], i + 1)
        else:
            ind = 0
            text = "%d bytes in %d blocks are %s in loss record %d of 999999" % (direct, blocks, words[k], i + 1)
        totals[k] += direct
        s = err % (i, kinds[k], text, direct + ind, blocks, 0x400000 + i, i, i % 97, i, i % 5000,
                   0x500000 + i)
        buf.append(s)
        size += len(s)
        i += 1
        if len(buf) == 2000:
            f.write("".join(buf))
            buf = []
    f.write("".join(buf))
    f.write("<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n")
with open("expected", "w") as f:
    f.write("%d %d %d %d %d\n" % (i, *totals))
EOF
read -r nerr def ind pos reach <expected
sz=$(stat -c %s big.xml)
[ "$sz" -ge 200000000 ] || fail "generated only $sz bytes"
cat >limits.yaml <<EOF
leak_summary:
  definitely_lost: $def
  possibly_lost: $pos
  still_reachable: $reach
EOF
start=$(date +%s)
/usr/bin/time -f '%M' -o rss.txt "$LEAKSCOPE" gate --config limits.yaml --json out.json --sarif out.sarif big.xml \
  >stdout.txt 2>stderr.txt
rc=$?
end=$(date +%s)
rm -f big.xml
[ $rc -eq 0 ] || fail "gate exit $rc: $(cat stderr.txt)"
rss=$(tail -n 1 rss.txt)
echo "200 MB XML ($nerr errors): peak RSS ${rss} KB, $((end - start)) s"
[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KB is not under 64 MB"
$PY - "$def" "$pos" "$reach" <<'EOF' || fail "totals of the big file"
import json, sys
d = json.load(open("out.json"))
vals = {r["rule"]: r["value"] for r in d["rules"]}
want = {"leak_summary.definitely_lost": int(sys.argv[1]),
        "leak_summary.possibly_lost": int(sys.argv[2]),
        "leak_summary.still_reachable": int(sys.argv[3])}
assert vals == want, (vals, want)
assert d["status"] == "pass"
# the offenders are the largest records, in order
offs = d["rules"][0]["offenders"]
assert len(offs) == 5 and offs == sorted(offs, key=lambda o: -(o["bytes"] + o.get("indirect_bytes", 0)))
s = json.load(open("out.sarif"))
assert len(s["runs"][0]["results"]) == 4000   # GATE_KEEP records per kind
EOF
echo "test_gate_bigxml: ok"
