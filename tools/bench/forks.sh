#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cost of following forks (issue 12, item 3), as ratios against references run in the same
# invocation (`make bench-forks`, or tools/bench/forks.sh). Two workloads:
#   forky      a shell loop forking and exec'ing N (default 200) short programs: each fork
#              gets its own probes attached, each exit their detach (what following costs the
#              traced program, and how many of its children are followed)
#   bystander  tools/bench/bench_churn (malloc+free pairs) in a process nobody follows, while a
#              session follows forks of a busy forking target: what it pays (target: nothing)
# Configurations of the forky loop, each in turn, RUNS rounds (default 5), medians of wall time:
#   untraced, traced (--no-follow-forks: the shell alone), following (the default), and
#   following-perf (PERFAN_UPROBE_MULTI=0: one perf event per probe, kernels before 6.6).
# Needs root. Writes nothing but stdout.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
N=${N:-200}
PAIRS=${PAIRS:-200000}
PB=${PB:-$PWD/perfan-bpf}
CHURN=$PWD/.output/bench_churn
[[ -x $PB && -x $CHURN ]] || { echo "forks bench: run make first" >&2; exit 2; }
[[ $EUID == 0 ]] || { echo "forks bench: needs root (it traces)" >&2; exit 2; }
T=$(mktemp -d /tmp/perfan-bench-forks.XXXXXX)
trap 'rm -rf "$T"; [[ -n ${bg:-} ]] && kill "$bg" 2>/dev/null' EXIT

LOOP="for i in \$(seq $N); do /bin/true; done"
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# the forky loop under a configuration; prints its wall time (s) and, traced, how many forks
# were followed. Traced, the time is the command's own: from the session's "tracing" line to
# the command's exit (the session's start and its detach at the end are not the program's).
forky() {
	local t0 t1 followed
	case $1 in
	untraced)
		t0=$(now); sh -c "$LOOP"; t1=$(now)
		echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}') -" ;;
	*)
		local -a env=() opts=()
		[[ $1 == traced ]] && opts=(--no-follow-forks)
		[[ $1 == following-perf ]] && env=(PERFAN_UPROBE_MULTI=0)
		env "${env[@]}" "$PB" leak --format json --no-output "${opts[@]}" -- \
			sh -c "date +%s.%N >$T/start; $LOOP; date +%s.%N >$T/end" >/dev/null 2>"$T/err"
		followed=$(sed -n 's/^perfan-bpf: followed \([0-9]*\) forked.*/\1/p' "$T/err")
		echo "$(awk -v a="$(cat "$T/start")" -v b="$(cat "$T/end")" 'BEGIN{printf "%.4f", b-a}') ${followed:-0}" ;;
	esac
}

# bench_churn's ns per pair, alone or while a following session traces a forking shell
churn() {
	local w
	if [[ $1 == busy ]]; then
		"$PB" leak --format json --no-output -- sh -c \
			"while :; do /bin/true; sleep 0.01; done" >/dev/null 2>"$T/bys.err" &
		bg=$!
		for _ in $(seq 100); do grep -q "tracing pid" "$T/bys.err" && break; sleep 0.05; done
	fi
	"$CHURN" -n "$PAIRS" >"$T/churn.out" 2>&1
	# TERM, not INT: a shell started in the background ignores SIGINT, and the session passes
	# the signal on to it
	if [[ -n ${bg:-} ]]; then kill -TERM "$bg"; wait "$bg" 2>/dev/null; bg=; fi
	sed -n 's/^ns_per_pair //p' "$T/churn.out"
}

order=(untraced traced following following-perf)
echo "forks bench: $RUNS rounds; a shell loop of $N fork+exec of /bin/true; bench_churn $PAIRS pairs ($(uname -r), $(nproc) cores)"
for r in $(seq "$RUNS"); do
	for c in "${order[@]}"; do
		read -r s f <<<"$(forky "$c")"
		echo "$s" >>"$T/$c"
		[[ $f != - ]] && echo "$f" >>"$T/$c.followed"
		printf '  round %d %-15s %8.3f s  followed %s\n' "$r" "$c" "$s" "$f"
	done
	for c in alone busy; do
		v=$(churn "$c")
		echo "$v" >>"$T/churn-$c"
		printf '  round %d bystander-%-5s %8s ns/pair\n' "$r" "$c" "$v"
	done
done
echo
printf '%-16s %10s %10s %10s\n' config "median s" "x untraced" followed
u=$(median <"$T/untraced")
for c in "${order[@]}"; do
	m=$(median <"$T/$c")
	f=-
	[[ -f $T/$c.followed ]] && f="$(median <"$T/$c.followed") of $N"
	printf '%-16s %10.3f %10.2f %10s\n' "$c" "$m" "$(awk -v a="$m" -v b="$u" 'BEGIN{print a/b}')" "$f"
done
a=$(median <"$T/churn-alone")
b=$(median <"$T/churn-busy")
echo
echo "bystander (bench_churn, not followed) beside a following session: $b ns/pair against $a alone: $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", b/a}')x"
exit 0
