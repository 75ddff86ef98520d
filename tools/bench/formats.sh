#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Benchmark of the output formats on a large session: .output/gen_session writes a session of
# N stacks (default 100,000; 8-20 frames each, 3 snapshots), then every format of `report` and
# `diff` is rendered once, printing wall time, maximum RSS and output size. Also the time to
# only read the session, which every command pays. `make bench-formats`, or
#   tools/bench/formats.sh [N]
set -eu
cd "$(dirname "$0")/../.."
n=${1:-100000}
PB=$PWD/perfan-bpf
GEN=$PWD/.output/gen_session
[[ -x $PB && -x $GEN ]] || { echo "formats bench: run make first" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "formats bench: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
T=$(mktemp -d /tmp/perfan-bench-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$GEN" large "$n" "$T/large.session"
echo "session: $n stacks, $(du -h "$T/large.session" | cut -f1) ($(wc -l <"$T/large.session") records)"
printf '%-34s %9s %11s %10s\n' "command" "seconds" "max RSS" "output"
run() { # name args...
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$T/time" "$PB" "$@" >"$T/out"
	read -r secs kb <"$T/time"
	printf '%-34s %9s %8d MiB %10s\n' "$name" "$secs" $((kb / 1024)) "$(du -h "$T/out" | cut -f1)"
}
run "report --format json (reading)" report "$T/large.session" --format json --top 1
run "report --format text" report "$T/large.session"
run "report --format folded" report "$T/large.session" --format folded
run "report --format pprof" report "$T/large.session" --format pprof
run "report --format svg" report "$T/large.session" --format svg
run "report --format html" report "$T/large.session" --format html
run "diff --format folded" diff "$T/large.session" --format folded
run "diff --format pprof" diff "$T/large.session" --format pprof
run "diff --format svg" diff "$T/large.session" --format svg
