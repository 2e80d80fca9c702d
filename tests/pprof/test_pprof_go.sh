#!/bin/sh
# test_pprof_go.sh: the real client.  `go tool pprof` reads the profiles
# leakscope writes (sample and full mode) and shows our function names and
# exact values; and leakscope reads heap profiles written by a real Go
# program (runtime/pprof), every allocation (MemProfileRate 1) and sampled
# (the default 512 KiB rate).  Skipped only when Go is not installed.
. "$(dirname "$0")/../harness/common.sh"
GO=$(command -v go || { [ -x /usr/lib/go/bin/go ] && echo /usr/lib/go/bin/go; })
[ -n "$GO" ] || skip "go is not installed (Debian package golang-go)"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -x "$PROGS/pprof_sites" ] || fail "$PROGS/pprof_sites is not built"
export HOME="$T/home" GOCACHE="$T/gocache" GOPATH="$T/gopath" GOPROXY=off GO111MODULE=off GOFLAGS=
mkdir -p "$HOME"

# 1. go tool pprof reads our profiles
for m in sample full; do
  "$PROGS/pprof_sites" "$T/$m.raw" $m || fail "pprof_sites $m"
  "$LEAKSCOPE" report "$T/$m.raw" --profile "$T/$m.pb.gz" >/dev/null 2>"$T/err" ||
    fail "report --profile ($m): $(cat "$T/err")"
  "$GO" tool pprof -top -nodefraction=0 -unit=byte "$T/$m.pb.gz" >"$T/top" 2>"$T/err" ||
    fail "go tool pprof -top ($m): $(cat "$T/err")"
  grep -q '^Type: inuse_space' "$T/top" || fail "$m: default sample type: $(cat "$T/top")"
  grep -Eq '^ +2097152B .* pprof_alloc_big$' "$T/top" || fail "$m: big site: $(cat "$T/top")"
  grep -Eq '^ +640B .* pprof_alloc_small$' "$T/top" || fail "$m: small site: $(cat "$T/top")"
  grep -Eq ' main$' "$T/top" || fail "$m: main: $(cat "$T/top")"
  "$GO" tool pprof -top -nodefraction=0 -unit=byte -sample_index=alloc_space "$T/$m.pb.gz" >"$T/top" 2>"$T/err" ||
    fail "go tool pprof alloc_space ($m): $(cat "$T/err")"
  grep -Eq '^ *1048576000B .* pprof_churn$' "$T/top" || fail "$m: churn site: $(cat "$T/top")"
  "$GO" tool pprof -raw "$T/$m.pb.gz" >"$T/rawout" 2>"$T/err" || fail "go tool pprof -raw: $(cat "$T/err")"
  grep -Eq '^ +3 +3145728 +2 +2097152:' "$T/rawout" || fail "$m: raw values: $(cat "$T/rawout")"
  grep -Eq '^ +100 +1600 +40 +640:' "$T/rawout" || fail "$m: raw values: $(cat "$T/rawout")"
done
grep -q '^Period: 1$' "$T/rawout" || fail "full mode period: $(grep Period "$T/rawout")"

# 2. heap profiles written by a Go program
cat >"$T/heapgo.go" <<'EOF'
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var keep [][]byte

//go:noinline
func leakyCache(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 64<<10))
	}
}

func main() {
	rate, _ := strconv.Atoi(os.Args[2])
	runtime.MemProfileRate = rate
	leakyCache(100)
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		panic(err)
	}
	f.Close()
}
EOF
(cd "$T" && "$GO" build -o heapgo heapgo.go) 2>"$T/err" || fail "go build: $(cat "$T/err")"
"$T/heapgo" "$T/go1.pb.gz" 1 || fail "heapgo"
"$LEAKSCOPE" report "$T/go1.pb.gz" >"$T/go1.txt" 2>"$T/err" || fail "report of a Go profile: $(cat "$T/err")"
row=$(awk '/^ *[0-9][0-9,]* / { print; exit }' "$T/go1.txt")
case "$row" in *main.leakyCache*heapgo.go:*main.main*) ;; *) fail "Go profile top row: $row" ;; esac
# 100 blocks of 64 KiB are live (plus, on some runs, a small slice from the same line)
echo "$row" | awk '{ gsub(",", "", $1); exit !($1 >= 6553600 && $1 < 6553600 + 65536) }' || fail "Go profile: 100 x 64 KiB live: $row"
"$LEAKSCOPE" report "$T/go1.pb.gz" --sample-type alloc_objects >/dev/null || fail "alloc_objects of a Go profile"
"$T/heapgo" "$T/go2.pb.gz" 524288 || fail "heapgo sampled"
"$LEAKSCOPE" report "$T/go2.pb.gz" >"$T/go2.txt" 2>"$T/err" || fail "report of a sampled Go profile: $(cat "$T/err")"
grep -q 'main.leakyCache' "$T/go2.txt" || fail "sampled Go profile: $(cat "$T/go2.txt")"
grep -q 'sampled every 524,288 bytes' "$T/go2.txt" || fail "sampled Go profile: rate: $(cat "$T/go2.txt")"
"$LEAKSCOPE" flame "$T/go2.pb.gz" --folded "$T/go2.folded" -o "$T/go2.svg" || fail "flame of a Go profile"
grep -q '^runtime.main;main.main;main.leakyCache [0-9]*$' "$T/go2.folded" || fail "Go folded: $(cat "$T/go2.folded")"
# and our writer turns a Go profile into one go tool pprof still reads
"$LEAKSCOPE" report "$T/go1.pb.gz" --profile "$T/go3.pb.gz" >/dev/null || fail "rewrite a Go profile"
"$GO" tool pprof -top "$T/go3.pb.gz" >"$T/top" 2>"$T/err" || fail "pprof on a rewritten Go profile"
grep -Eq ' main.leakyCache$' "$T/top" || fail "rewritten Go profile: $(cat "$T/top")"
"$GO" tool pprof -raw "$T/go3.pb.gz" >"$T/rawout" 2>"$T/err" || fail "pprof -raw on a rewritten Go profile"
live=$(echo "$row" | awk '{ gsub(",", "", $1); print $1 }')
awk -v v="$live:" '$4 == v { found = 1 } END { exit !found }' "$T/rawout" ||
  fail "rewritten Go profile: no sample with inuse_space $live: $(cat "$T/rawout")"
echo "ok"
