#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Builds the libFuzzer target of the regression detector's readers (make fuzz-regress), replays
# the committed fixtures and past findings through it, then fuzzes briefly (FUZZ_SECONDS,
# default 30; the whole script stays under 60 s). Seeds: tests/fixtures/regress/*.json and
# tests/fuzz/corpus/regress/ (inputs that once broke a promise); dictionary: regress.dict.
# Ends with "fuzz-regress: N passed, N failed"; a crash leaves its input in .output/fuzz/.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-30}
bin=.output/fuzz/fuzz_regress
pass=0 failn=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
no() { failn=$((failn + 1)); echo "FAIL $*"; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
if make -s fuzz-regress >"$t/build" 2>&1; then
	ok "build $bin (clang -fsanitize=fuzzer,address,undefined)"
else
	no "build $bin: $(tail -n 3 "$t/build")"
	echo "fuzz-regress: $pass passed, $failn failed"
	exit 1
fi
mkdir -p "$t/corpus" .output/fuzz/artifacts
cp tests/fixtures/regress/*.json tests/fuzz/corpus/regress/* "$t/corpus/"
if "$bin" -runs=0 "$t/corpus" >"$t/replay" 2>&1; then
	ok "replay of $(ls "$t/corpus" | wc -l) fixtures and past findings"
else
	no "replay of the fixtures: $(grep -m1 -E 'ERROR|broken promise' "$t/replay")"
fi
"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-dict=tests/fuzz/regress.dict -artifact_prefix=.output/fuzz/artifacts/ -print_final_stats=1 \
	"$t/corpus" >"$t/fuzz" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$t/fuzz")
if [[ $rc == 0 ]]; then
	ok "fuzzing for ${secs}s: ${runs:-?} inputs, no crash, leak, timeout or broken promise"
else
	no "fuzzing: exit $rc: $(grep -m1 -E 'ERROR|broken promise|runtime error' "$t/fuzz"); input in .output/fuzz/artifacts/"
fi
echo "fuzz-regress: $pass passed, $failn failed"
[[ $failn == 0 ]]
