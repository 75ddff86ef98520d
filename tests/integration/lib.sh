# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The prelude every integration script sources from the checkout's root, after naming its
# paths: `. tests/integration/lib.sh NAME`. Makes a temporary directory $T and moves there (so
# session files named after a pid land in it), kills the background pids in bg_pids, unmounts
# the mounts in mounts and removes $T on exit, and gives ok/no/check to count results and finish to print the line
# "NAME: N passed, N failed" that tools/run-tests adds up.
SUITE=$1
T=$(mktemp -d "/tmp/perfan-$SUITE.XXXXXX")
cd "$T" || exit 2
pass=0 failn=0
bg_pids=()
mounts=() # unmounted before $T goes
cleanup() {
	for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok   $*"; }
no() { failn=$((failn + 1)); echo "FAIL $*"; }
check() { # description expected actual
	if [[ "$2" == "$3" ]]; then ok "$1"; else no "$1: want '$2', got '$3'"; fi
}
finish() {
	echo "$SUITE: $pass passed, $failn failed"
	[[ $failn == 0 ]]
	exit $?
}
wait_for() { # file pattern [tenths]: wait until the file holds the pattern
	for _ in $(seq "${3:-100}"); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# "bytes objects" live in the stacks of a leak JSON report whose first frame (the allocator's
# caller) is FUNC
live_of() { # json func
	jq -r --arg f "$2" '[.stacks[] | select(.frames[0].function == $f)]
	  | "\(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0)"' "$1" 2>/dev/null
}
# The exact leaks of tests/workloads/leaky.c, one line per function: name bytes objects
LEAKY_LEAKS="leak_malloc 7000 7
leak_calloc 3000 3
leak_realloc 3000 5
leak_reallocarray 600 2
leak_posix_memalign 2048 4
leak_aligned_alloc 2048 2
leak_memalign 100 1
leak_valloc 5000 1"
