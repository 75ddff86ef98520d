#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cost of one snapshot against the number of stacks and of live allocations: it must grow
# with stacks, not with live allocations. For each configuration, tools/bench/bench_snap.c
# keeps LIVE allocations over STACKS distinct stacks under perfan-bpf; after one warm-up mark
# (which symbolizes the new stacks), MARKS marks are timed by the session itself (the
# "stored ... in X ms" line of --verbose); the median is printed, and ratios between
# configurations run in this same invocation. Needs root.
# The last configuration writes a session file (the others run with --no-output): 10,000
# distinct stacks, every one of which allocates again before each mark, so that each
# snapshot writes 10,000 changed rows (issue 15: <= 5 ms). Then the session writer alone:
# .output/gen_session snap-bench, a snapshot of 10,000 stacks whose rows all changed.
set -u
cd "$(dirname "$0")/../.."
MARKS=${MARKS:-7}
WL=.output/bench_snap
PB=${PB:-./perfan-bpf}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
wait_for() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# until the file has N lines matching
wait_count() { for _ in $(seq 600); do (($(grep -c "$2" "$1" 2>/dev/null) >= $3)) && return 0; sleep 0.05; done; return 1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

one() { # stacks live [file] -> median ms; with file: wide stacks that all change before each mark
	local out=(--no-output) wide=() churn=0
	if [[ -n ${3:-} ]]; then
		out=(--output "$T/s.session" --force)
		wide=(-w)
		churn=1
	fi
	"$WL" -s "$1" -n "$2" "${wide[@]}" >"$T/wl.out" 2>&1 &
	local w=$!
	wait_for "$T/wl.out" READY
	"$PB" --pid $w "${out[@]}" --interval 3600 --verbose >/dev/null 2>"$T/pb.err" &
	local pb=$!
	wait_for "$T/pb.err" "tracing pid"
	kill -USR1 $w
	wait_for "$T/wl.out" LEAKED
	"$PB" mark warmup --pid $w
	for i in $(seq "$MARKS"); do
		if ((churn)); then
			kill -USR1 $w
			wait_count "$T/wl.out" LEAKED $((i + 1))
		fi
		"$PB" mark "m$i" --pid $w
	done
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
file_ms=$(one 10000 10000 file)
printf '  %5s stacks, all changed, session file: %8.3f ms per snapshot (target <= 5 ms: %s)\n' \
	10000 "$file_ms" "$(awk -v a="$file_ms" 'BEGIN{print (a <= 5) ? "met" : "MISSED"}')"
echo "  ($(stat -c %s "$T/s.session" 2>/dev/null || echo ?) bytes of session file for $((MARKS + 2)) snapshots)"
.output/gen_session snap-bench 10000 "$T/w.session"
