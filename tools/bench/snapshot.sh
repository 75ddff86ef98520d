#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cost of one snapshot against the number of stacks and of live allocations: it must grow
# with stacks, not with live allocations. For each configuration, tools/bench/bench_snap.c
# keeps LIVE allocations over STACKS distinct stacks under perfan-bpf; after one warm-up mark
# (which symbolizes the new stacks), MARKS marks are timed by the session itself (the
# "stored ... in X ms" line of --verbose); the median is printed, and ratios between
# configurations run in this same invocation. Needs root.
set -u
cd "$(dirname "$0")/../.."
MARKS=${MARKS:-7}
WL=.output/bench_snap
PB=${PB:-./perfan-bpf}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
wait_for() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

one() { # stacks live -> median ms
	"$WL" -s "$1" -n "$2" >"$T/wl.out" 2>&1 &
	local w=$!
	wait_for "$T/wl.out" READY
	"$PB" --pid $w --no-output --interval 3600 --verbose >/dev/null 2>"$T/pb.err" &
	local pb=$!
	wait_for "$T/pb.err" "tracing pid"
	kill -USR1 $w
	wait_for "$T/wl.out" LEAKED
	"$PB" mark warmup --pid $w
	for i in $(seq "$MARKS"); do "$PB" mark "m$i" --pid $w; done
	kill $w
	wait $pb
	sed -n "s/^perfan-bpf: snapshot [0-9]* 'm[0-9]*' stored (\([0-9]*\) stacks) in \([0-9.]*\) ms/\2/p" "$T/pb.err" | median
}
echo "snapshot cost: median of $MARKS marks per configuration ($(uname -r), $(nproc) cores)"
declare -A ms
for cfg in "1024 10000" "1024 300000" "32 300000"; do
	set -- $cfg
	ms[$1/$2]=$(one "$1" "$2")
	printf '  %5s stacks %7s live allocations: %8.3f ms per snapshot\n' "$1" "$2" "${ms[$1/$2]}"
done
awk -v a="${ms[1024/300000]}" -v b="${ms[1024/10000]}" \
	'BEGIN{printf "30x the live allocations, same stacks: %.2fx the time (O(stacks) means ~1)\n", a/b}'
awk -v a="${ms[1024/300000]}" -v b="${ms[32/300000]}" \
	'BEGIN{printf "32x the stacks, same live allocations: %.2fx the time\n", a/b}'
