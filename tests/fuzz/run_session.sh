#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Short fuzz run of the session-file reader and the offline analyses (tests/fuzz/fuzz_session.c):
# builds the libFuzzer target (clang, ASan, UBSan), replays every seed in
# tests/fuzz/corpus/session/ once, then fuzzes for FUZZ_SECONDS (default 15) from the seeds.
# New inputs go to a scratch directory; FUZZ_KEEP=DIR keeps them there for a later
# `-merge=1` into the corpus (keep new entries small and few). A crash or sanitizer report
# fails the run and leaves its input in .output/fuzz/session-crashes/.
# Ends with one line "fuzz-session: N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-15}
bin=.output/fuzz/fuzz_session
seeds=tests/fuzz/corpus/session
crashes=.output/fuzz/session-crashes
pass=0 failn=0

if ! make -s fuzz-session; then
	echo "FAIL fuzz-session: the target did not build (needs clang and libclang-rt-14-dev)"
	echo "fuzz-session: 0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new" "$work/art"

keep_crashes() { # the artifacts of a failed run, where a developer can replay them
	local f
	mkdir -p "$crashes"
	for f in "$work"/art/*; do
		[[ -e $f ]] || continue
		cp "$f" "$crashes/"
		echo "  input kept: $crashes/$(basename "$f") (replay: $bin $crashes/$(basename "$f"))"
	done
}

# every seed once, each a test of its own
for f in "$seeds"/*; do
	if "$bin" -runs=1 "$f" >"$work/log" 2>&1; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
		echo "FAIL seed $f"
		grep -E 'ERROR|SUMMARY|runtime error' "$work/log" | head -n 5
		mkdir -p "$crashes" && cp "$f" "$crashes/"
	fi
done

# the fuzz run itself: inputs up to 16 KiB (a few snapshots), a hung input is a failure
if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	-dict=tests/fuzz/session.dict -artifact_prefix="$work/art/" -print_final_stats=1 \
	"$work/new" "$seeds" >"$work/log" 2>&1; then
	pass=$((pass + 1))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	echo "ok   fuzzed ${secs}s: ${runs:-?} inputs, $(ls "$work/new" | wc -l) new in the corpus"
else
	failn=$((failn + 1))
	echo "FAIL fuzz run crashed:"
	grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$work/log" | head -n 8
	keep_crashes
fi
if [[ -n ${FUZZ_KEEP:-} ]]; then
	mkdir -p "$FUZZ_KEEP" && cp "$work"/new/* "$FUZZ_KEEP"/ 2>/dev/null
fi
echo "fuzz-session: $pass passed, $failn failed"
[[ $failn == 0 ]]
