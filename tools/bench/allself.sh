#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What an --all session's own work costs it while the host starts programs (`make
# bench-allself`, or tools/bench/allself.sh): a session of 5 s during which a C++ program built
# without frame pointers (tests/workloads/unwind) runs 10 times and python3 starts 3 times.
# Printed, medians of RUNS rounds (default 3): the session's user and system CPU seconds, and
# the allocations walked before their files' unwind rows were in (the code thread's lag: what
# it does between a program's exec and its first allocations decides how many). --all's probes
# are breakpoints in the session's own copy of libc too; it takes them out
# (user/probe/self_untrap.c): REF=DIR runs a build from before that (a built tree, e.g.
#   git worktree add /tmp/pb-ref 691a72a && make -C /tmp/pb-ref -j2)
# in the same rounds, and the ratios. Needs root.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
PB=$PWD/perfan-bpf
REF=${REF:-}
WL=$PWD/.output/workloads/unwind
[[ -x $PB && -x $WL ]] || { echo "allself bench: run make first" >&2; exit 2; }
[[ $EUID == 0 ]] || { echo "allself bench: needs root (it traces)" >&2; exit 2; }
[[ -z $REF || -x $REF/perfan-bpf ]] || { echo "allself bench: no $REF/perfan-bpf" >&2; exit 2; }
PY=/usr/bin/python3 # Debian's (a python3 earlier in PATH may be a shell wrapper, pyenv's)
[[ -x $PY ]] || { echo "allself bench: missing $PY" >&2; exit 2; }
T=$(mktemp -d /tmp/perfan-bench-allself.XXXXXX)
trap 'rm -rf "$T"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

one() { # name binary: one session, "user sys early" appended to $T/name
	local name=$1 pb=$2 early
	/usr/bin/time -f '%U %S' -o "$T/time" "$pb" leak --all --duration 5 --format json \
		--no-output >/dev/null 2>"$T/err" &
	local bg=$!
	for _ in $(seq 100); do grep -q "tracing every process" "$T/err" && break; sleep 0.1; done
	for _ in $(seq 10); do "$WL" >/dev/null; sleep 0.1; done
	for _ in 1 2 3; do "$PY" -c pass; done
	wait "$bg" || { echo "allself bench: $name failed: $(tail -2 "$T/err")" >&2; exit 1; }
	early=$(sed -n 's/^perfan-bpf: \([0-9]*\) allocation(s) were walked before.*/\1/p' "$T/err")
	echo "$(cat "$T/time") ${early:-0}" >>"$T/$name"
}

for _ in $(seq "$RUNS"); do
	one this "$PB"
	[[ -n $REF ]] && one ref "$REF/perfan-bpf"
done
col() { awk -v c="$2" '{print $c}' "$T/$1" | median; }
printf '%-34s %10s %10s %22s\n' "medians of $RUNS runs" "user s" "system s" "walked before rows"
printf '%-34s %10s %10s %22s\n' "this build" "$(col this 1)" "$(col this 2)" "$(col this 3)"
if [[ -n $REF ]]; then
	printf '%-34s %10s %10s %22s\n' "REF ($REF)" "$(col ref 1)" "$(col ref 2)" "$(col ref 3)"
	awk -v a="$(col this 1)" -v b="$(col this 2)" -v c="$(col ref 1)" -v d="$(col ref 2)" \
		'BEGIN {printf "CPU (user + system), this build / REF: %.2fx\n", (a + b) / (c + d)}'
fi
