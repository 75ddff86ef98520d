#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make bench-timing`: the ns perfan-bpf time adds per timed call, against references.
# Each round runs tools/bench/bench_timed.c (three identical empty functions called in
# interleaved blocks) twice:
#   A: perfan-bpf time on f_timed and an empty probe pair (bench_pair: empty BPF entry uprobe
#      + uretprobe, bpf/empty.bpf.c) on f_empty, in the same run; f_none is untraced
#   B: bpftrace on f_timed, bcc-style: uprobe stores nsecs per tid, uretprobe adds the delta
#      to a hist() and deletes the entry
# "added" is ns per call minus f_none's in the same run. RUNS rounds (default 5); medians.
# Also times f_timed with --returns insn (probes on return instructions, the C++ path).
# Then tools/bench/timing_accuracy.sh: measured against known times, and the README recipe.
# Needs root. Writes nothing but stdout.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CALLS=${CALLS:-200000}
PB=$PWD/perfan-bpf
WL=$PWD/.output/bench_timed
PAIR=$PWD/.output/bench_pair
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

wait_for() { for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run_round MODE: prints "none timed empty" ns per call
run_round() {
	local mode=$1 wl tr pr
	"$WL" "$CALLS" >"$T/wl.out" 2>&1 &
	wl=$!
	wait_for "$T/wl.out" READY || { echo "nan nan nan"; return; }
	case $mode in
	perfan | insn)
		local extra=()
		[[ $mode == insn ]] && extra=(--returns insn)
		"$PB" time --pid "$wl" --func f_timed "${extra[@]}" >"$T/pb.out" 2>"$T/pb.err" &
		tr=$!
		"$PAIR" --pid "$wl" --func f_empty 2>"$T/pair.err" &
		pr=$!
		wait_for "$T/pb.err" "Ctrl-C to stop" && wait_for "$T/pair.err" attached ||
			{ echo "nan nan nan"; kill -9 $wl $tr $pr 2>/dev/null; return; }
		;;
	bpftrace)
		bpftrace -e "uprobe:$WL:f_timed { @s[tid] = nsecs; }
			uretprobe:$WL:f_timed /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }" \
			-p "$wl" >"$T/bt.out" 2>&1 &
		tr=$!
		wait_for "$T/bt.out" "Attaching" || { echo "nan nan nan"; kill -9 $wl $tr 2>/dev/null; return; }
		sleep 0.5 # bpftrace prints before its probes are all in place
		;;
	esac
	kill -USR1 "$wl"
	wait "$wl"
	kill -INT $tr 2>/dev/null
	wait $tr 2>/dev/null
	[[ -n ${pr:-} ]] && wait "$pr" 2>/dev/null
	awk '/^none/ { print $2, $4, $6 }' "$T/wl.out"
}

declare -A col
for ((r = 1; r <= RUNS; r++)); do
	for mode in perfan insn bpftrace; do
		read -r none timed empty < <(run_round $mode)
		col[$mode-timed]+="$(awk -v a="$timed" -v b="$none" 'BEGIN { print a - b }') "
		col[$mode-empty]+="$(awk -v a="$empty" -v b="$none" 'BEGIN { print a - b }') "
		col[$mode-none]+="$none "
	done
	echo "round $r/$RUNS done" >&2
done
m() { tr ' ' '\n' <<<"${col[$1]}" | grep -v '^$' | median; }
pb=$(m perfan-timed) empty=$(m perfan-empty) insn=$(m insn-timed) insn_empty=$(m insn-empty)
bt=$(m bpftrace-timed) none=$(m perfan-none)
printf 'perfan-bpf time: added ns per timed call (median of %d runs, %d calls each)\n' "$RUNS" "$CALLS"
printf '  %-44s %10.0f ns/call\n' "untraced call (f_none)" "$none"
printf '  %-44s %10.0f ns\n' "empty probe pair (entry + uretprobe)" "$empty"
printf '  %-44s %10.0f ns\n' "perfan-bpf time (uretprobe)" "$pb"
printf '  %-44s %10.0f ns\n' "perfan-bpf time --returns insn" "$insn"
printf '  %-44s %10.0f ns\n' "bpftrace uprobe/uretprobe + hist" "$bt"
awk -v pb="$pb" -v e="$empty" -v bt="$bt" -v i="$insn" -v ie="$insn_empty" 'BEGIN {
	printf "ratios: perfan/empty-pair %.2f, perfan/bpftrace %.2f, insn/empty-pair %.2f\n",
	       pb / e, pb / bt, i / ie }'
tools/bench/timing_accuracy.sh
