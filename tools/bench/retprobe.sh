#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make bench-retprobe`: what probing a function's return instructions costs next to a
# uretprobe. perfan-bpf leak sees the return of jemalloc's and tcmalloc's throwing operator new
# by uprobes on its `ret` instructions (docs/leak.md: an exception cannot unwind through a
# uretprobe's trampoline); everywhere else by a uretprobe. Workload: tools/bench/bench_new.cc,
# PAIRS new[]+delete[] pairs of 64 bytes through libjemalloc2's own operator new[] (_Znam, which
# tail-jumps to _Znwm). RUNS (default 5) rounds; each round runs every configuration once, in
# turn, so machine noise hits all of them alike; the medians are reported.
#   untraced    the workload alone
#   uretprobe   empty BPF programs (tools/bench/bench_retinsn.c): entry uprobe + uretprobe
#   insn        empty BPF programs: entry uprobe + uprobes on the return instructions
#   perfan      perfan-bpf leak --pid (its real programs, returns by instruction)
#   perfan-uret with PB_URETPROBE=PATH: a build of perfan-bpf whose throwing operators keep a
#               uretprobe (made for the comparison: plan_returns in user/probe/attach.c
#               skipping every site), the same programs otherwise
# Reported: the added ns per pair of each, and insn / uretprobe (added cost: the probes of a
# call on its return instructions against an entry probe and a uretprobe). Needs root.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
PAIRS=${PAIRS:-200000}
WL=.output/bench_new_je
PB=${PB:-./perfan-bpf}
FUNC=${FUNC:-_Znam}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[[ $EUID == 0 ]] || { echo "retprobe.sh: needs root (BPF and uprobes)" >&2; exit 2; }
LIB=$(ldd "$WL" | awk '/libjemalloc/ {print $3}')
LIB=$(readlink -f "$LIB")
[[ -f $LIB ]] || { echo "retprobe.sh: $WL is not linked with libjemalloc" >&2; exit 2; }

wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# one timed run under a tracer (none for untraced); prints ns per pair
run_one() { # config
	"$WL" -w -n "$PAIRS" >"$T/wl.out" 2>&1 &
	local w=$! tr= ready=
	wait_for "$T/wl.out" READY || { kill $w; echo nan; return; }
	case $1 in
	uretprobe | insn)
		.output/bench_retinsn --pid $w --lib "$LIB" --func "$FUNC" --ret "$1" 2>"$T/tr.err" &
		tr=$!
		ready="bench_retinsn: attached" ;;
	perfan | perfan-uret)
		local pb=$PB
		[[ $1 == perfan-uret ]] && pb=$PB_URETPROBE
		"$pb" leak --pid $w --format json --no-output >/dev/null 2>"$T/tr.err" &
		tr=$!
		ready="tracing pid" ;;
	esac
	if [[ -n $tr ]] && ! wait_for "$T/tr.err" "$ready"; then
		kill $w $tr; wait $w $tr 2>/dev/null; echo nan; return
	fi
	kill -USR1 $w
	wait $w
	[[ -n $tr ]] && wait $tr
	sed -n 's/^ns_per_pair //p' "$T/wl.out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

order=(untraced uretprobe insn perfan)
[[ -n ${PB_URETPROBE:-} ]] && order+=(perfan-uret)
echo "retprobe: $RUNS rounds x ${#order[@]} configurations, $PAIRS new[]+delete[] pairs each, $FUNC of $LIB ($(uname -r), $(nproc) cores)"
.output/bench_retinsn --pid $$ --lib "$LIB" --func "$FUNC" --ret insn 2>&1 >/dev/null &
sleep 0.5
kill $! 2>/dev/null
wait $! 2>/dev/null
for r in $(seq "$RUNS"); do
	for c in "${order[@]}"; do
		v=$(run_one "$c")
		echo "$v" >>"$T/$c"
		printf '  round %d %-11s %8s ns/pair\n' "$r" "$c" "$v"
	done
done
declare -A med
for c in "${order[@]}"; do med[$c]=$(median <"$T/$c"); done
base=${med[untraced]}
echo
printf '%-11s %14s %14s\n' config "median ns/pair" "added ns/pair"
for c in "${order[@]}"; do
	printf '%-11s %14.1f %14.1f\n' "$c" "${med[$c]}" "$(awk -v a="${med[$c]}" -v b="$base" 'BEGIN{print a-b}')"
done
ratio() { awk -v a="${med[$1]}" -v b="${med[$2]}" -v u="$base" 'BEGIN{printf "%.2f", (a-u)/(b-u)}'; }
echo
echo "added cost of insn / uretprobe (return-instruction probes against a uretprobe): $(ratio insn uretprobe)"
echo "added cost of perfan / insn (perfan-bpf's BPF work over the empty probes):       $(ratio perfan insn)"
[[ -n ${PB_URETPROBE:-} ]] &&
	echo "added cost of perfan / perfan-uret (perfan-bpf, returns by instruction / uretprobe): $(ratio perfan perfan-uret)"
exit 0
