# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The prelude every integration script sources from the checkout's root, after naming its
# paths: `. tests/integration/lib.sh NAME`. Makes a temporary directory $T and moves there (so
# session files named after a pid land in it), kills the background pids in bg_pids and removes
# $T on exit, and gives ok/no/check to count results and finish to print the line
# "NAME: N passed, N failed" that tools/run-tests adds up.
SUITE=$1
T=$(mktemp -d "/tmp/perfan-$SUITE.XXXXXX")
cd "$T" || exit 2
pass=0 failn=0
bg_pids=()
cleanup() {
	for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
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
