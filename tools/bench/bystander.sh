#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What a leak session costs the processes it does not trace (issue 12: "processes nobody
# follows still pay nothing"), as ratios against the same workload alone in the same
# invocation (`make bench-bystander`, or tools/bench/bystander.sh). Two bystanders:
#   churn  tools/bench/bench_churn: malloc+free pairs through the system's libc.so, the file
#          the sessions' uprobes sit on (they are installed in the traced processes' address
#          spaces only)
#   sys    tools/bench/bench_sys: getppid system calls in a static program (no libc.so: not
#          traced even by --all), which meets only the kernel-side hooks: the exact gear's
#          sys_enter tracepoint (new code: execs, dlopen) and the fork/exit tracepoints
# Sessions beside them, each in turn, RUNS rounds (default 5), medians:
#   alone      no session
#   pid        leak --pid of an idle process (sleep)
#   following  leak -- sh -c 'sleep' (launch mode: following forks)
#   all        leak --all (churn is traced then, and is not measured)
# Needs root. Writes nothing but stdout.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
PAIRS=${PAIRS:-200000}
CALLS=${CALLS:-2000000}
PB=${PB:-$PWD/perfan-bpf}
CHURN=$PWD/.output/bench_churn
SYS=$PWD/.output/bench_sys
[[ -x $PB && -x $CHURN && -x $SYS ]] || { echo "bystander bench: run make bench-bystander" >&2; exit 2; }
[[ $EUID == 0 ]] || { echo "bystander bench: needs root (it traces)" >&2; exit 2; }
T=$(mktemp -d /tmp/perfan-bench-bystander.XXXXXX)
trap 'rm -rf "$T"; [[ -n ${bg:-} ]] && kill "$bg" 2>/dev/null; [[ -n ${idle:-} ]] && kill "$idle" 2>/dev/null' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# start a session of kind $1 in the background (bg); returns once its probes are in
session() {
	local -a what
	case $1 in
	pid) sleep 1000 & idle=$!; what=(--pid "$idle") ;;
	following) what=(-- sh -c "sleep 1000") ;;
	all) what=(--all) ;;
	esac
	"$PB" leak --format json --no-output "${what[@]}" >/dev/null 2>"$T/session.err" &
	bg=$!
	for _ in $(seq 200); do grep -q "^perfan-bpf: tracing" "$T/session.err" && return; sleep 0.05; done
	echo "bystander bench: the $1 session did not start: $(head -c 300 "$T/session.err")" >&2
	exit 2
}
stop() {
	[[ -n ${bg:-} ]] && { kill -TERM "$bg"; wait "$bg" 2>/dev/null; bg=; } # bg jobs ignore INT
	[[ -n ${idle:-} ]] && { kill "$idle"; wait "$idle" 2>/dev/null; idle=; }
	pkill -f "^sleep 1000$" 2>/dev/null
	true
}

configs=(alone pid following all)
echo "bystander bench: $RUNS rounds; bench_churn $PAIRS pairs, bench_sys $CALLS getppid ($(uname -r), $(nproc) cores)"
for r in $(seq "$RUNS"); do
	for c in "${configs[@]}"; do
		[[ $c != alone ]] && session "$c"
		s=$("$SYS" -n "$CALLS" | sed -n 's/^ns_per_call //p')
		echo "$s" >>"$T/sys-$c"
		line="sys $s ns/call"
		if [[ $c != all ]]; then
			m=$("$CHURN" -n "$PAIRS" | sed -n 's/^ns_per_pair //p')
			echo "$m" >>"$T/churn-$c"
			line="$line, churn $m ns/pair"
		fi
		stop
		printf '  round %d %-10s %s\n' "$r" "$c" "$line"
	done
done
echo
printf '%-10s %14s %8s %14s %8s\n' session "sys ns/call" "x alone" "churn ns/pair" "x alone"
sa=$(median <"$T/sys-alone")
ca=$(median <"$T/churn-alone")
for c in "${configs[@]}"; do
	s=$(median <"$T/sys-$c")
	if [[ -f $T/churn-$c ]]; then
		m=$(median <"$T/churn-$c")
		mr=$(awk -v a="$m" -v b="$ca" 'BEGIN{printf "%.3f", a/b}')
	else
		m="(traced)" mr=-
	fi
	printf '%-10s %14s %8s %14s %8s\n' "$c" "$s" "$(awk -v a="$s" -v b="$sa" 'BEGIN{printf "%.3f", a/b}')" "$m" "$mr"
done
exit 0
