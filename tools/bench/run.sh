#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make bench`: the cost perfan-bpf adds per malloc+free pair, as ratios against references run
# in the same invocation. RUNS (default 5) rounds; each round runs every configuration once, in
# turn, so machine noise hits all of them alike; the medians are reported.
#   untraced      the workload alone (tools/bench/bench_churn.c, PAIRS pairs from 4 call sites)
#   empty-entry   empty BPF programs on the same probe set, every probe at the function entry
#   empty-best    empty BPF programs at perfan-bpf's probe offsets (the floor)
#   perfan-entry  perfan-bpf --probe-at entry
#   perfan-best   perfan-bpf (default placement)
#   perfan-fp     perfan-bpf --unwind fp: frame pointers only, no .eh_frame rows for glibc
#   bystander     perfan-bpf tracing another process: what the workload pays for the trap alone
#   *-nofp        the same workload built -fomit-frame-pointer (bench_churn_nofp): every frame
#                 of its stacks is left by .eh_frame rows (perfan-nofp) or lost (perfan-fp-nofp)
#   valgrind      valgrind --leak-check=full, when installed (one run: it is slow and steady)
# Needs root. Writes nothing but stdout.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
PAIRS=${PAIRS:-200000}
WL=.output/bench_churn
WL_NOFP=.output/bench_churn_nofp
PB=${PB:-./perfan-bpf} # another build (a copy) can be measured
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# one timed run under a tracer command (empty for untraced); prints ns per pair
run_one() {
	local -a tracer=("$@")
	"$wl" -w -n "$PAIRS" >"$T/wl.out" 2>&1 &
	local w=$!
	wait_for "$T/wl.out" READY || { echo nan; return; }
	if ((${#tracer[@]})); then
		local target=$w
		if [[ ${tracer[0]} == bystander ]]; then # trace an idle process, time the workload
			tracer=("${tracer[@]:1}")
			sleep 600 >/dev/null 2>&1 &
			target=$!
			bg=$target
		fi
		"${tracer[@]}" --pid "$target" >/dev/null 2>"$T/tr.err" &
		local tr=$!
		wait_for "$T/tr.err" "tracing pid" || { kill $w $tr ${bg:-}; bg=; echo nan; return; }
	fi
	kill -USR1 $w
	wait $w
	if [[ -n ${bg:-} ]]; then kill $bg; wait $bg 2>/dev/null; kill -INT $tr; bg=; fi
	((${#tracer[@]})) && wait $tr
	sed -n 's/^ns_per_pair //p' "$T/wl.out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A cmd=(
	[untraced]=""
	[empty-entry]=".output/bench_empty --probe-at entry"
	[empty-best]=".output/bench_empty --probe-at best"
	[perfan-entry]="$PB --probe-at entry --format json --no-output"
	[perfan-best]="$PB --format json --no-output"
	[perfan-fp]="$PB --unwind fp --format json --no-output"
	[untraced-nofp]=""
	[perfan-nofp]="$PB --format json --no-output"
	[perfan-fp-nofp]="$PB --unwind fp --format json --no-output"
	[bystander]="bystander $PB --format json --no-output"
)
order=(untraced empty-entry empty-best perfan-entry perfan-best perfan-fp bystander
	untraced-nofp perfan-nofp perfan-fp-nofp)
echo "bench: $RUNS rounds x ${#order[@]} configurations, $PAIRS malloc+free pairs each ($(uname -r), $(nproc) cores)"
for r in $(seq "$RUNS"); do
	for c in "${order[@]}"; do
		wl=$WL
		[[ $c == *-nofp ]] && wl=$WL_NOFP
		# shellcheck disable=SC2086
		v=$(run_one ${cmd[$c]})
		echo "$v" >>"$T/$c"
		printf '  round %d %-13s %8s ns/pair\n' "$r" "$c" "$v"
	done
done
if command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full "$WL" -n "$PAIRS" 2>/dev/null | sed -n 's/^ns_per_pair //p' >"$T/valgrind"
	order+=(valgrind)
fi
declare -A med
for c in "${order[@]}"; do med[$c]=$(median <"$T/$c"); done
base=${med[untraced]}
echo
printf '%-13s %12s %14s\n' config "median ns/pair" "added ns/pair"
for c in "${order[@]}"; do
	printf '%-13s %12.1f %14.1f\n' "$c" "${med[$c]}" "$(awk -v a="${med[$c]}" -v b="$base" 'BEGIN{print a-b}')"
done
ratio_nofp() { awk -v a="${med[$1]}" -v b="${med[$2]}" -v u="${med[untraced-nofp]}" 'BEGIN{printf "%.2f", (a-u)/(b-u)}'; }
ratio() { awk -v a="${med[$1]}" -v b="${med[$2]}" -v u="$base" 'BEGIN{printf "%.2f", (a-u)/(b-u)}'; }
echo
echo "added cost of perfan-best / empty-best  (BPF work over the floor; target <= 1.3): $(ratio perfan-best empty-best)"
echo "added cost of perfan-best / empty-entry (vs naive placement;       target <= 0.6): $(ratio perfan-best empty-entry)"
echo "added cost of perfan-entry / empty-entry (BPF work, naive placement):               $(ratio perfan-entry empty-entry)"
echo "added cost of perfan-best / perfan-fp (the .eh_frame rows walking glibc's frames):   $(ratio perfan-best perfan-fp)"
# added cost of $1 on the frameless build over added cost of $2 on the frame-pointer build
nofp() { awk -v a="${med[$1]}" -v b="${med[$2]}" -v u="${med[untraced-nofp]}" -v f="$base" \
	'BEGIN{printf "%.2f", (a-u)/(b-f)}'; }
echo "added cost on the -fomit-frame-pointer build, perfan / perfan-fp on it:             $(ratio_nofp perfan-nofp perfan-fp-nofp)"
echo "added cost on the -fomit-frame-pointer build, perfan / perfan-best on the fp build:  $(nofp perfan-nofp perfan-best)"
echo "added cost of bystander / empty-best (another process traced; the trap alone):       $(ratio bystander empty-best)"
[[ -f $T/valgrind ]] && echo "added cost of perfan-best / valgrind memcheck:                                  $(ratio perfan-best valgrind)"
exit 0
