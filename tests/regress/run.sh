#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Command-line tests of the regression detector through the real binary: `baseline save`,
# `check` (exit 0 / 1 / 2, --fail-on, --mode, --format, one sample a side, inconclusive, failed
# runs, --junit, --format github, the ratio column, --filter, low-n, --warn/--fail, --against,
# --metric, --higher-is-better), imports of the real tool outputs in tests/fixtures/regress/
# (counters, pytest-benchmark sessions), bad files (one line on stderr, exit 2) and `history`.
# usage: tests/regress/run.sh [PATH/TO/perfan-bpf]   (needs jq and xmllint; no root, no BPF)
# Prints "ok ..." or "FAIL ..." per check and ends with "regress-cli: N passed, N failed".
set -u
top=$(realpath "$(dirname "$(realpath "$0")")/../..")
PB=$(realpath "${1:-$top/perfan-bpf}")
F=$top/tests/fixtures/regress
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 failn=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
no() { failn=$((failn + 1)); echo "FAIL $*"; }
command -v jq >/dev/null || { no "jq is needed (apt-get install jq)"; echo "regress-cli: $pass passed, $failn failed"; exit 1; }
[[ -x $PB ]] || { no "no binary at $PB (make all)"; echo "regress-cli: $pass passed, $failn failed"; exit 1; }

run() { # run ARGS...: sets rc, out ($t/out), err ($t/err)
	"$PB" "$@" >"$t/out" 2>"$t/err"
	rc=$?
}
expect_rc() { # description wanted-rc
	[[ $rc == "$2" ]] && ok "$1: exit $2" || no "$1: exit $rc, want $2; stderr: $(head -c 300 "$t/err")"
}
# A user error: exit 2, exactly one line on stderr that starts "perfan-bpf: " and names $2,
# nothing on stdout.
expect_error() { # description word-the-message-must-contain
	local lines
	lines=$(wc -l <"$t/err")
	if [[ $rc == 2 && $lines == 1 && ! -s $t/out ]] && grep -q '^perfan-bpf: ' "$t/err" &&
		grep -qF -- "$2" "$t/err"; then
		ok "$1: exit 2, one line: $(cat "$t/err")"
	else
		no "$1: exit $rc, $lines stderr line(s) (want 2, 1, naming '$2'): $(head -c 300 "$t/err")"
	fi
}
# perfan-bpf results with samples: results FILE NAME UNIT SAMPLE...
results() {
	local f=$1 n=$2 u=$3
	shift 3
	printf '{"schema_version": 1, "kind": "perfan-results", "results": [{"name": "%s", "unit": "%s", "samples": [%s]}]}\n' \
		"$n" "$u" "$(IFS=,; echo "$*")" >"$f"
}

# --- baseline save and check on hyperfine output ----------------------------------------------
run baseline save "$F/hyperfine_base.json" --output "$t/base.json"
expect_rc "baseline save of hyperfine output" 0
jq -e '.schema_version == 1 and .kind == "perfan-baseline" and (.baselines[0].samples | length) == 10
	and .baselines[0].name == "sleep" and .baselines[0].unit == "s"' "$t/base.json" >/dev/null &&
	ok "baseline file: schema_version 1, 10 samples of 'sleep' in s" || no "baseline file content: $(head -c 300 "$t/base.json")"
run check --baseline "$t/base.json" "$F/hyperfine_slow.json"
expect_rc "check of 'sleep 0.03' against 'sleep 0.01' (hyperfine)" 1
grep -q '✗  sleep' "$t/out" && grep -q '^Regressions detected' "$t/out" && grep -q '^Verdict: FAIL' "$t/out" &&
	ok "report: ✗ mark, regressions detected, FAIL verdict" || no "report lacks ✗ / Regressions detected / Verdict: $(cat "$t/out")"
run check --baseline "$t/base.json" "$F/hyperfine_base.json"
expect_rc "check of the baseline's own run" 0
grep -q '^Verdict: PASS' "$t/out" && grep -q '✓  sleep' "$t/out" && ok "report: ✓ mark and PASS" || no "same run: $(cat "$t/out")"

# --- thresholds, --fail-on, --mode ------------------------------------------------------------
results "$t/b10.json" parse ms 10.02 9.95 10.10 9.88 10.05 9.97 10.12 9.91 10.00 10.08
results "$t/c15.json" parse ms 11.55 11.40 11.62 11.38 11.50 11.71 11.45 11.58 11.33 11.49
results "$t/c40.json" parse ms 14.05 13.92 14.10 13.85 14.02 14.18 13.96 14.07 13.88 14.00
run baseline save "$t/b10.json" --output "$t/b.json"
expect_rc "baseline save of perfan-bpf results" 0
run check --baseline "$t/b.json" "$t/c15.json"
expect_rc "+15%: a WARNING does not fail at the default --fail-on critical" 0
grep -q '⚠  parse' "$t/out" && ok "+15%: ⚠ mark" || no "+15%: no ⚠ mark: $(cat "$t/out")"
run check --baseline "$t/b.json" "$t/c15.json" --fail-on warning
expect_rc "+15% with --fail-on warning" 1
run check --baseline "$t/b.json" "$t/c40.json"
expect_rc "+40%: CRITICAL" 1
run check --baseline "$t/b.json" "$t/c40.json" --mode simple --format json
expect_rc "+40% --mode simple" 1
jq -e '.mode == "simple" and .comparisons[0].method == "simple" and .comparisons[0].severity == "CRITICAL"' "$t/out" >/dev/null &&
	ok "--mode simple: method simple, CRITICAL" || no "--mode simple JSON: $(head -c 300 "$t/out")"

# --- robust rule: not significant, inconclusive -----------------------------------------------
results "$t/nb.json" noisy ms 10 14 8 12 9 15
results "$t/nc.json" noisy ms 13 9 16 11 14 18
run baseline save "$t/nb.json" --output "$t/nbase.json"
run check --baseline "$t/nbase.json" "$t/nc.json" --fail-on warning --format json
expect_rc "+19% but p 0.15 (robust): no regression" 0
jq -e '.comparisons[0].severity == "INCONCLUSIVE" and .comparisons[0].reason == "not significant" and
	.inconclusive == ["noisy"]' "$t/out" >/dev/null &&
	ok "robust: INCONCLUSIVE, not significant" || no "robust noisy JSON: $(head -c 400 "$t/out")"
run check --baseline "$t/nbase.json" "$t/nc.json" --fail-on warning --mode simple
expect_rc "the same with --mode simple: WARNING" 1
results "$t/fb.json" few s 1.0 1.01 0.99
results "$t/fc.json" few s 2.0 2.02 1.98
run baseline save "$t/fb.json" --output "$t/fbase.json"
run check --baseline "$t/fbase.json" "$t/fc.json"
expect_rc "3 vs 3 samples, twice as slow: INCONCLUSIVE is no failure" 0
grep -q '?  few .*INCONCLUSIVE (need ≥ 7 samples)' "$t/out" && ok "INCONCLUSIVE (need ≥ 7 samples)" || no "inconclusive: $(cat "$t/out")"

# --- real CI workflows (issue 14) --------------------------------------------------------------
# one run a side, 30% apart (hyperfine --runs 1, Google Benchmark without repetitions): the
# threshold rule decides, and says so
run baseline save "$F/hyperfine_single_base.json" --output "$t/h1.json"
run check --baseline "$t/h1.json" "$F/hyperfine_single_slow.json"
expect_rc "hyperfine --runs 1, 'sleep 0.13' against 'sleep 0.1': CRITICAL" 1
grep -q '✗  nap .*CRITICAL (threshold rule: 1 sample)' "$t/out" &&
	ok "hyperfine --runs 1: ✗ CRITICAL (threshold rule: 1 sample)" || no "hyperfine --runs 1: $(cat "$t/out")"
run check --baseline "$t/h1.json" "$F/hyperfine_single_slow.json" --fail-on critical --format json
expect_rc "hyperfine --runs 1 --fail-on critical --format json" 1
jq -e '.comparisons[0] | .severity == "CRITICAL" and .rule == "threshold" and .method == "simple" and
	.reason == "threshold rule: 1 sample"' "$t/out" >/dev/null &&
	ok "hyperfine --runs 1 JSON: rule threshold" || no "hyperfine --runs 1 JSON: $(head -c 400 "$t/out")"
run baseline save "$F/gb_single_base.json" --output "$t/g1.json"
run check --baseline "$t/g1.json" "$F/gb_single_slow.json" --fail-on critical --format json
expect_rc "Google Benchmark without repetitions, WORK 130 against 100: CRITICAL" 1
jq -e '.comparisons[0] | .name == "BM_Work" and .severity == "CRITICAL" and .rule == "threshold" and
	.change > 0.25' "$t/out" >/dev/null &&
	ok "Google Benchmark single run JSON: CRITICAL, rule threshold" || no "gb single: $(head -c 400 "$t/out")"
run check --baseline "$t/g1.json" "$F/gb_single_base.json" --format json
expect_rc "Google Benchmark single run against itself" 0
jq -e '.comparisons[0] | .severity == "INFO" and .rule == "threshold"' "$t/out" >/dev/null &&
	ok "single run against itself: INFO by the threshold rule" || no "gb same: $(head -c 400 "$t/out")"
# a +14% shift estimate with p 0.0105, just above alpha 0.01 (crafted samples): ?, counted, and a
# failure only with --fail-on inconclusive
results "$t/ab.json" render ms 8.6 9.1 9.5 9.8 10.0 10.2 10.5 10.9 11.4 12.0
results "$t/ac.json" render ms 9.7 10.3 10.6 11.2 11.4 11.7 12.0 12.5 13.0 13.7
run baseline save "$t/ab.json" --output "$t/abase.json"
run check --baseline "$t/abase.json" "$t/ac.json"
expect_rc "+14% with p 0.0105: INCONCLUSIVE is no failure at --fail-on critical" 0
grep -q '?  render .*+14.1% \[.*0.0105 .*INCONCLUSIVE (not significant)' "$t/out" &&
	grep -A1 '^Inconclusive' "$t/out" | grep -q '? render: +14.1% worse by the shift estimate, but not significant' &&
	grep -q '^Verdict: PASS: .*1 inconclusive' "$t/out" &&
	ok "+14% with p 0.0105: ?, in the Inconclusive list, counted" || no "just above alpha: $(cat "$t/out")"
run check --baseline "$t/abase.json" "$t/ac.json" --fail-on warning
expect_rc "+14% with p 0.0105 --fail-on warning" 0
run check --baseline "$t/abase.json" "$t/ac.json" --fail-on inconclusive --format json
expect_rc "+14% with p 0.0105 --fail-on inconclusive" 1
jq -e '.failed == true and .fail_on == "inconclusive" and .counts.inconclusive == 1 and
	.inconclusive == ["render"] and .comparisons[0].rule == "robust"' "$t/out" >/dev/null &&
	ok "--fail-on inconclusive JSON: failed, counted, listed" || no "--fail-on inconclusive: $(head -c 400 "$t/out")"
# a command that now fails every run (hyperfine -i, exit 3) against a baseline of it passing
run baseline save "$F/hyperfine_exit_base.json" --output "$t/e.json"
run check --baseline "$t/e.json" "$F/hyperfine_exit_fail.json"
expect_rc "hyperfine command that now exits 3: an error, whatever the times" 1
[[ $(wc -l <"$t/err") == 1 ]] && grep -q '^perfan-bpf: check: benchmark "job" failed: 3 of 3 runs exited non-zero: exit code 3; .*--allow-exit-codes' "$t/err" &&
	ok "exit codes: one line on stderr naming the benchmark and the code" || no "exit codes stderr: $(cat "$t/err")"
grep -q '^  !  job .*ERROR (3 of 3 runs exited non-zero: exit code 3)' "$t/out" && grep -q '^Verdict: FAIL: 1 error' "$t/out" &&
	! grep -q 'IMPROVED' "$t/out" && ok "exit codes: ! ERROR in the report, not IMPROVED" || no "exit codes report: $(cat "$t/out")"
run check --baseline "$t/e.json" "$F/hyperfine_exit_fail.json" --format json
jq -e '.failed == true and .errors == ["job"] and .counts.error == 1 and .comparisons[0].severity == "ERROR" and
	.comparisons[0].exit_codes == [3] and .comparisons[0].failed_runs == 3' "$t/out" >/dev/null &&
	ok "exit codes JSON: ERROR, exit_codes [3]" || no "exit codes JSON: $(head -c 400 "$t/out")"
run check --baseline "$t/e.json" "$F/hyperfine_exit_fail.json" --allow-exit-codes
expect_rc "--allow-exit-codes: the times are compared" 0
grep -q '↑  job .*IMPROVED' "$t/out" && grep -q '3 of 3 runs exited non-zero (allowed)' "$t/out" && [[ ! -s $t/err ]] &&
	ok "--allow-exit-codes: IMPROVED, failed runs noted" || no "--allow-exit-codes: $(cat "$t/out" "$t/err")"
run check --baseline "$t/e.json" "$F/hyperfine_exit_base.json"
expect_rc "the passing command against its own baseline" 0

# --- few runs, counters, rounds, CI thresholds, comparing files (issue 14) ---------------------
# 5 repetitions of three Google Benchmark benchmarks, BM_A 25% slower: 1 / C(10, 5) = 0.004 cannot
# pass the correction for three, so the threshold rule on the shift decides (low-n), visibly
run baseline save "$F/gb_trio_base.json" --output "$t/trio.json"
run check --baseline "$t/trio.json" "$F/gb_trio_slow.json" --fail-on warning
expect_rc "5 runs a side, three benchmarks, BM_A 25% slower: flagged" 1
grep -Eq '^  (⚠|✗)  BM_A .*(WARNING|CRITICAL) \(low-n: threshold rule on the shift, 5 vs 5 samples\)' "$t/out" &&
	grep -q 'low-n: 5 vs 5 samples give p >= 0.0040, which cannot pass the correction for 3 benchmarks at alpha 0.01 (6 current samples would)' "$t/out" &&
	[[ $(grep -cE '^  (⚠|✗)  ' "$t/out") == 1 ]] && ok "low-n: BM_A flagged, marked, and how many runs would do" || no "low-n: $(cat "$t/out")"
run check --baseline "$t/trio.json" "$F/gb_trio_slow.json" --format json
jq -e '.comparisons[] | select(.name == "BM_A") | .rule == "low-n" and .need_samples == 6 and .family == 3 and
	(.severity == "WARNING" or .severity == "CRITICAL")' "$t/out" >/dev/null &&
	ok "low-n JSON: rule low-n, need_samples 6, family 3" || no "low-n JSON: $(head -c 600 "$t/out")"
run check --baseline "$t/trio.json" "$F/gb_trio_same.json" --fail-on warning
expect_rc "the same build run again, 5 runs a side: nothing flagged" 0
! grep -Eq '^  (⚠|✗)  ' "$t/out" && grep -q 'low-n' "$t/out" && ok "same build: no ⚠ or ✗" || no "same build: $(cat "$t/out")"
run baseline save "$F/hyperfine_trio_base.json" --output "$t/htrio.json"
run check --baseline "$t/htrio.json" "$F/hyperfine_trio_slow.json" --format github
expect_rc "hyperfine, 5 runs of three commands, a from sleep 0.04 to 0.052" 1
grep -q '^::error title=perfan-bpf%3A a::.*(CRITICAL).*; low-n: threshold rule on the shift, 5 vs 5 samples$' "$t/out" &&
	[[ $(wc -l <"$t/out") == 1 ]] && ok "hyperfine low-n: ::error for a only" || no "hyperfine low-n: $(cat "$t/out")"

# Google Benchmark counters: each a result "BM_Copy/<counter>", rates higher-is-better; the file
# holds NaN (the cv of the zero counter "errors"), which Google Benchmark writes
run baseline save "$F/gb_counters_base.json" --output "$t/cnt.json"
expect_rc "baseline save of Google Benchmark output with counters (and NaN)" 0
jq -e '[.baselines[] | {name, unit, higher_is_better}] == [
	{"name": "BM_Copy", "unit": "ns", "higher_is_better": false},
	{"name": "BM_Copy/bytes_per_second", "unit": "B/s", "higher_is_better": true},
	{"name": "BM_Copy/frames", "unit": "", "higher_is_better": false},
	{"name": "BM_Copy/items_per_second", "unit": "items/s", "higher_is_better": true},
	{"name": "BM_Copy/nodes", "unit": "", "higher_is_better": false}]' "$t/cnt.json" >/dev/null &&
	ok "counters: rates higher-is-better, user counters as they are, the zero one left out" ||
	no "counters: $(jq -c '[.baselines[] | {name, unit, higher_is_better}]' "$t/cnt.json")"
run check --baseline "$t/cnt.json" "$F/gb_counters_slow.json" --format json
expect_rc "30% more work: the time and items_per_second regress" 1
jq -e '.comparisons | map(select(.name == "BM_Copy" or .name == "BM_Copy/items_per_second") | .severity) |
	all(. == "WARNING" or . == "CRITICAL")' "$t/out" >/dev/null &&
	jq -e '.comparisons[] | select(.name == "BM_Copy/items_per_second") | .change < 0 and .deviation > 0' "$t/out" >/dev/null &&
	ok "counters: fewer items per second is worse" || no "counters check: $(head -c 800 "$t/out")"
run check --baseline "$t/cnt.json" "$F/gb_counters_slow.json" --higher-is-better 'frames$'
expect_error "--higher-is-better against a baseline saved without it" "higher_is_better"
run baseline save "$F/gb_counters_base.json" --output "$t/cnt2.json" --higher-is-better '/(frames|nodes)$'
jq -e '[.baselines[] | select(.name | test("frames|nodes")) | .higher_is_better] == [true, true]' "$t/cnt2.json" >/dev/null &&
	ok "baseline save --higher-is-better: frames and nodes higher-is-better" || no "--higher-is-better save: $(cat "$t/cnt2.json" | head -c 400)"
run check --baseline "$t/cnt2.json" "$F/gb_counters_slow.json" --higher-is-better '/(frames|nodes)$' --filter frames --format json
jq -e '.comparisons[0] | .name == "BM_Copy/frames" and .higher_is_better and .deviation > 0.1' "$t/out" >/dev/null &&
	ok "check --higher-is-better: fewer frames per second is worse" || no "--higher-is-better check: $(head -c 400 "$t/out")"
run baseline save "$F/gb_counters_base.json" --output "$t/cpu.json" --metric cpu_time
want=$(jq '[.benchmarks[] | select(.run_type == "iteration") | .cpu_time] | add / length' "$F/gb_counters_base.json")
jq -e --argjson w "$want" '.baselines[0] | .name == "BM_Copy" and ((.mean - $w) | fabs) < 1e-9 * $w' "$t/cpu.json" >/dev/null &&
	ok "--metric cpu_time: the mean of the cpu_time repetitions" || no "--metric cpu_time: $(jq -c '.baselines[0].mean' "$t/cpu.json"), want $want"
run check --baseline "$t/cpu.json" "$F/gb_counters_slow.json" --metric cpu_time --filter '^BM_Copy$'
expect_rc "check --metric cpu_time" 1
run check --baseline "$t/cpu.json" "$F/hyperfine_slow.json" --metric cpu_time
expect_error "--metric cpu_time on hyperfine output" "no CPU time per run"
run baseline save "$F/gb_counters_base.json" --output "$t/x.json" --metric wall
expect_error "bad --metric" "--metric"

# pytest-benchmark: one session is one run; two sessions of the same code are not a regression
run baseline save "$F/pytest_run1.json" --output "$t/py.json"
jq -e '.baselines[0] | .n == 1 and (has("samples") | not)' "$t/py.json" >/dev/null &&
	ok "pytest-benchmark baseline: one run, its rounds not kept as samples" || no "pytest baseline: $(jq -c '.baselines[0]' "$t/py.json")"
run check --baseline "$t/py.json" "$F/pytest_run2.json" --fail-on warning
expect_rc "pytest-benchmark, the same code in a second session" 0
grep -q '✓  test_scale.py::test_sum .*INFO (threshold rule: 1 run)' "$t/out" && grep -q 'rounds of one run: compared as one value' "$t/out" &&
	ok "pytest-benchmark: INFO by the threshold rule on one run a side" || no "pytest same: $(cat "$t/out")"
run check --baseline "$t/py.json" "$F/pytest_slow.json"
expect_rc "pytest-benchmark, 30% more work" 1

# check --against: two results files compared directly, no baseline file
run check --against "$F/hyperfine_base.json" "$F/hyperfine_slow.json"
expect_rc "check --against old new: 'sleep 0.03' against 'sleep 0.01'" 1
grep -q '✗  sleep .*CRITICAL (significant)' "$t/out" && ok "--against: CRITICAL" || no "--against: $(cat "$t/out")"
run check --against "$F/hyperfine_base.json" "$F/hyperfine_base.json"
expect_rc "check --against a file itself" 0
run check --against "$F/pytest_run1.json" --against "$F/pytest_run2.json" "$F/pytest_slow.json" --format json
expect_rc "--against twice: two old runs" 1
jq -e '.comparisons[0] | .n_baseline == 2 and .severity == "CRITICAL"' "$t/out" >/dev/null &&
	ok "--against twice: the two runs are the baseline's samples" || no "--against twice: $(head -c 400 "$t/out")"
run check --against "$F/hyperfine_base.json" --baseline "$t/base.json" "$F/hyperfine_slow.json"
expect_error "--against with --baseline" "--against"
run check --against "$t/base.json" "$F/hyperfine_slow.json"
expect_error "--against a baseline file" "baseline file, not a results file"
run check --against "$F/hyperfine_exit_fail.json" "$F/hyperfine_exit_base.json"
expect_error "--against results whose runs failed" "3 of 3 runs exited non-zero"
run check --against "$F/hyperfine_exit_fail.json" "$F/hyperfine_exit_base.json" --allow-exit-codes
expect_rc "--against results whose runs failed, allowed" 1
results "$t/frame.json" "render/frame" ms 1 2 3
run check --against "$F/hyperfine_base.json" "$t/frame.json"
expect_error "--against, a benchmark not in the old file" "compare results of the same benchmarks"

# --warn and --fail over the baseline's thresholds (c15 is +15%)
run check --baseline "$t/b.json" "$t/c15.json" --warn 20% --fail 30% --fail-on warning --format json
expect_rc "+15% with --warn 20% --fail 30%" 0
jq -e '.comparisons[0] | .severity == "INFO" and .warning_threshold == 0.2 and .critical_threshold == 0.3' "$t/out" >/dev/null &&
	ok "--warn 20% --fail 30%: INFO, thresholds in JSON" || no "--warn/--fail: $(head -c 400 "$t/out")"
run check --baseline "$t/b.json" "$t/c15.json" --fail 12%
expect_rc "+15% with --fail 12%: CRITICAL" 1
grep -q '✗  parse .*CRITICAL' "$t/out" && ok "--fail 12%: ✗" || no "--fail 12%: $(cat "$t/out")"
run check --baseline "$t/b.json" "$t/c15.json" --warn 0.05 --fail 0.1
expect_rc "fractions: --warn 0.05 --fail 0.1" 1
run check --baseline "$t/b.json" "$t/c15.json" --warn 30% --fail 20%
expect_error "--warn above --fail" "--warn 30% is above --fail 20%"
run check --baseline "$t/b.json" "$t/c15.json" --warn 10
expect_error "--warn 10 (a fraction of 1000%)" "write 10% for 10 percent"
run check --baseline "$t/b.json" "$t/c15.json" --fail fast
expect_error "bad --fail" "--fail"

# baseline save of runs that failed: refused, one line, nothing written, unless allowed
run baseline save "$F/hyperfine_exit_fail.json" --output "$t/fail.json"
expect_error "baseline save of runs that exited non-zero" 'benchmark "job": 3 of 3 runs exited non-zero (exit code 3); fix the command, or pass --allow-exit-codes'
[[ ! -e $t/fail.json ]] && ok "nothing written" || no "baseline save wrote $t/fail.json"
run baseline save "$F/hyperfine_exit_fail.json" --output "$t/fail.json" --allow-exit-codes
expect_rc "baseline save --allow-exit-codes" 0

# --- formats ----------------------------------------------------------------------------------
run check --baseline "$t/b.json" "$t/c40.json" --format json
jq -e '.schema_version == 1 and .failed == true and .regressions == ["parse"] and
	(.comparisons[0] | has("p") and has("p_adjusted") and has("ci_low") and has("diagnostics"))' "$t/out" >/dev/null &&
	ok "--format json: failed, regressions, p and adjusted p, interval, diagnostics" || no "--format json: $(head -c 400 "$t/out")"
run check --baseline "$t/b.json" "$t/c40.json" --format markdown
grep -q '^| benchmark | mean | median | ops/s |$' "$t/out" && grep -q '^#### Regressions detected' "$t/out" &&
	grep -q '^\*\*Verdict:\*\* FAIL' "$t/out" && ok "--format markdown: tables, regressions, verdict" || no "markdown: $(cat "$t/out")"

# --- missing baselines: an error for one benchmark, a skip list for several -------------------
results "$t/other.json" "render/frame" ms 1 2 3
run check --baseline "$t/b.json" "$t/other.json"
expect_error "single benchmark without a baseline" '"render/frame"'
run check --baseline "$t/b.json" "$t/c15.json" "$t/other.json"
# two files are two runs of different benchmarks: parse is checked, render/frame skipped
expect_rc "several benchmarks, one without a baseline" 0
grep -A1 '^Skipped (no baseline)' "$t/out" | grep -q 'render/frame' && ok "skipped benchmark listed" || no "skip list: $(cat "$t/out")"

# --- CI outputs: --junit, --format github, --filter ------------------------------------------
# parse +40% (CRITICAL), render +14% not significant (INCONCLUSIVE), job faster with failed runs
# allowed, render/frame without a baseline
"$PB" baseline save "$t/b10.json" "$t/ab.json" "$F/hyperfine_exit_base.json" --output "$t/m.json" >/dev/null 2>&1 ||
	no "baseline save of three benchmarks"
mchk=(check --baseline "$t/m.json" "$t/c40.json" "$t/ac.json" "$F/hyperfine_exit_fail.json" "$t/other.json" --allow-exit-codes)
run "${mchk[@]}" --junit "$t/j.xml"
expect_rc "--junit: the exit status is the check's" 1
if command -v xmllint >/dev/null; then
	xmllint --noout "$t/j.xml" 2>"$t/xerr" && ok "--junit: xmllint accepts the file" || no "--junit: invalid XML: $(cat "$t/xerr")"
else
	no "xmllint is needed (tools/install-deps.sh: libxml2-utils)"
fi
grep -q '^<testsuite name="perfan-bpf check" tests="4" failures="1" errors="0" skipped="1"' "$t/j.xml" &&
	[[ $(grep -c '<testcase classname="perfan-bpf"' "$t/j.xml") == 4 && $(grep -c '<failure ' "$t/j.xml") == 1 &&
		$(grep -c '<skipped ' "$t/j.xml") == 1 ]] && grep -q '<testcase classname="perfan-bpf" name="parse" time="0.014003">' "$t/j.xml" &&
	[[ $(stat -c %a "$t/j.xml") == 600 ]] &&
	ok "--junit: 4 testcases, 1 failure (parse), 1 skipped, mode 0600" || no "--junit content: $(cat "$t/j.xml")"
run "${mchk[@]}" --junit "$t/j.xml"
expect_error "--junit over an existing file" "exists; add --force to replace it"
run "${mchk[@]}" --junit "$t/j.xml" --force --fail-on inconclusive
expect_rc "--junit --force --fail-on inconclusive" 1
[[ $(grep -c '<failure ' "$t/j.xml") == 2 ]] && grep -q 'failures="2"' "$t/j.xml" &&
	ok "--junit --fail-on inconclusive: 2 failures" || no "--junit inconclusive: $(cat "$t/j.xml")"
ln -s "$t/nowhere" "$t/jl.xml"
run "${mchk[@]}" --junit "$t/jl.xml"
expect_error "--junit onto a symlink" "exists; add --force"
[[ ! -e $t/nowhere ]] && ok "--junit never writes through a symlink" || no "--junit wrote through a symlink"
results "$t/esc.json" 'a,b:50%' ms 14.05 13.92 14.10 13.85 14.02 14.18 13.96 14.07 13.88 14.00
results "$t/escb.json" 'a,b:50%' ms 10.02 9.95 10.10 9.88 10.05 9.97 10.12 9.91 10.00 10.08
"$PB" baseline save "$t/escb.json" --output "$t/escbase.json" >/dev/null 2>&1
run check --baseline "$t/escbase.json" "$t/esc.json" --junit "$t/je.xml"
xmllint --noout "$t/je.xml" 2>/dev/null && grep -q 'name="a,b:50%"' "$t/je.xml" && ok "--junit: a name with , : % stays valid XML" ||
	no "--junit escaping: $(cat "$t/je.xml")"
run check --baseline "$t/m.json" "$t/c40.json" "$F/hyperfine_exit_fail.json" --allow-exit-codes --format github
expect_rc "--format github" 1
printf '%s\n' \
	'::error title=perfan-bpf%3A parse::+39.9%25 (CRITICAL): 14.003 ms against a baseline of 10.008 ms, 1.40× slower; significant' \
	'::notice title=perfan-bpf%3A job::-96.9%25 (IMPROVED): 704.750 us against a baseline of 22.870 ms, 32.45× faster; significant' >"$t/want"
diff "$t/want" "$t/out" >"$t/d" && ok "--format github: ::error for CRITICAL, ::notice for IMPROVED" || no "--format github: $(cat "$t/d")"
run "${mchk[@]}" --format github
grep -qx '::warning title=perfan-bpf%3A render::+13.8%25 (INCONCLUSIVE): 11.610 ms against a baseline of 10.200 ms, 1.14× slower; not significant' "$t/out" &&
	[[ $(wc -l <"$t/out") == 2 ]] && ok "--format github: ::warning for INCONCLUSIVE, nothing for INFO or skipped" || no "github inconclusive: $(cat "$t/out")"
run check --baseline "$t/escbase.json" "$t/esc.json" --format github
grep -q '^::error title=perfan-bpf%3A a%2Cb%3A50%25::+39.9%25 (CRITICAL)' "$t/out" &&
	ok "--format github: : , % escaped in the title, % in the message" || no "github escaping: $(cat "$t/out")"
run history "$t/m.json" --format github
expect_error "history --format github" "check only"
# the ratio column: hyperfine/critcmp style
run check --baseline "$t/b.json" "$t/c40.json"
grep -q '^  ✗  parse .* +39.9%  1.40× slower  ' "$t/out" && grep -q '^     benchmark .* change  ratio  ' "$t/out" &&
	ok "text report: ratio 1.40× slower after the change" || no "ratio: $(cat "$t/out")"
run "${mchk[@]}" --filter '^(parse|job)$'
expect_rc "--filter '^(parse|job)\$'" 1
grep -q '✗  parse' "$t/out" && grep -q '↑  job' "$t/out" && ! grep -q '?  render' "$t/out" &&
	[[ $(grep -A2 '^Not selected by the filter' "$t/out" | tr -d ' ' | tr '\n' ,) == 'Notselectedbythefilter,render,render/frame,' ]] &&
	ok "--filter: parse and job checked, render and render/frame listed as not selected" || no "--filter: $(cat "$t/out")"
run "${mchk[@]}" --filter '^render' --format json --fail-on inconclusive
jq -e '.comparisons | map(.name) == ["render"]' "$t/out" >/dev/null && jq -e '.filtered == ["parse", "job"] and .skipped == ["render/frame"]' "$t/out" >/dev/null &&
	ok "--filter --format json: filtered and skipped listed" || no "--filter json: $(head -c 400 "$t/out")"
run "${mchk[@]}" --filter '^parse$' --junit "$t/jf.xml"
grep -q 'tests="4" failures="1" errors="0" skipped="3"' "$t/jf.xml" && grep -q '<skipped message="not selected by --filter"/>' "$t/jf.xml" &&
	ok "--filter --junit: the others are skipped testcases" || no "--filter junit: $(cat "$t/jf.xml")"
run check --baseline "$t/b.json" "$t/c40.json" --filter 'nothing'
expect_error "--filter matching nothing" "matches none"
run check --baseline "$t/b.json" "$t/c40.json" --filter '('
expect_error "bad --filter" "--filter"

# --- imports, detected by content -------------------------------------------------------------
cp "$F/pytest_benchmark.json" "$t/pytest.data"
run baseline save "$t/pytest.data" "$F/google_benchmark.json" --output "$t/imp.json"
expect_rc "baseline save of pytest-benchmark and Google Benchmark output" 0
jq -e '[.baselines[].name] | index("test_fx.py::test_fib_15") != null and index("BM_Sort") != null' "$t/imp.json" >/dev/null &&
	ok "imported names: test_fx.py::test_fib_15, BM_Sort" || no "imported names: $(jq -c '[.baselines[].name]' "$t/imp.json")"
jq -e '.baselines[] | select(.name == "BM_Sort") | .unit == "us" and (.samples | length) == 5' "$t/imp.json" >/dev/null &&
	ok "Google Benchmark: 5 repetitions became 5 samples in us" || no "BM_Sort baseline: $(jq -c '.baselines[] | select(.name == "BM_Sort")' "$t/imp.json")"
run check --baseline "$t/imp.json" "$t/pytest.data" "$F/google_benchmark.json"
expect_rc "check of the same imports" 0
run check --baseline "$t/imp.json" "$F/google_benchmark_aggregates.json" --format json
expect_rc "check of Google Benchmark aggregates (summaries only)" 0
jq -e '[.comparisons[].method] | all(. == "welch")' "$t/out" >/dev/null && ok "summaries only: Welch's t-test" || no "aggregates: $(jq -c '[.comparisons[].method]' "$t/out")"

# --- several runs ----------------------------------------------------------------------------
printf '{"schema_version": 1, "results": [{"name": "r", "unit": "ms", "value": %s}]}\n' 10 >"$t/r1.json"
printf '{"schema_version": 1, "results": [{"name": "r", "unit": "ms", "value": %s}]}\n' 12 >"$t/r2.json"
printf '{"schema_version": 1, "results": [{"name": "r", "unit": "s", "value": %s}]}\n' 0.014 >"$t/r3.json"
run baseline save "$t/r1.json" "$t/r2.json" "$t/r3.json" --output "$t/runs.json"
# [hand] mean of 10, 12, 14 ms is 12; stddev across the runs 2
jq -e '.baselines[0] | .n == 3 and .mean == 12 and .stddev == 2 and .samples == [10, 12, 14]' "$t/runs.json" >/dev/null &&
	ok "three runs: mean 12 ms, stddev 2 across runs, run values kept as samples" || no "runs baseline: $(jq -c '.baselines[0]' "$t/runs.json")"

# --- bad files: one clear line, exit 2 ---------------------------------------------------------
for f in "$F"/bad_*.json; do
	b=$(basename "$f")
	case $b in
	bad_baseline_*) run check --baseline "$f" "$t/c15.json"; expect_error "baseline $b" "$b" ;;
	*) run check --baseline "$t/b.json" "$f"; expect_error "results $b" "$b" ;;
	esac
done
run check --baseline "$F/bad_nan.json" "$t/c15.json"
expect_error "a baseline holding NaN" "NaN"
run check --baseline "$F/hyperfine.json" "$t/c15.json"
expect_error "a results file given as the baseline" "schema_version"
run check --baseline "$t/b.json" "$t/b.json"
expect_error "a baseline given as results" "baseline file, not a results file"
run check --baseline "$t/nonexistent.json" "$t/c15.json"
expect_error "a baseline that does not exist" "baseline save"
run check --baseline "$t/b.json" "$t/nonexistent.json"
expect_error "results that do not exist" "nonexistent.json"
run check --baseline "$t/b.json" "$t"
expect_error "a directory as results" "Is a directory"
printf '{"schema_version": 1, "results": [{"name": "parse", "unit": "bytes", "value": 3}]}' >"$t/bytes.json"
run check --baseline "$t/b.json" "$t/bytes.json"
expect_error "a unit that does not convert" '"parse"'
cp "$t/c15.json" "$t/keep.json"
run baseline save "$t/b10.json" --output "$t/keep.json"
expect_error "baseline save over a results file" "keep.json"
cmp -s "$t/keep.json" "$t/c15.json" && ok "the results file was left alone" || no "baseline save replaced a results file"

# --- usage errors ------------------------------------------------------------------------------
run check "$t/c15.json"; expect_error "check without --baseline" "--baseline"
run check --baseline "$t/b.json"; expect_error "check without results" "results"
run check --baseline "$t/b.json" "$t/c15.json" --fail-on sometimes; expect_error "bad --fail-on" "--fail-on"
run check --baseline "$t/b.json" "$t/c15.json" --mode fancy; expect_error "bad --mode" "--mode"
run check --baseline "$t/b.json" "$t/c15.json" --format xml; expect_error "bad --format" "--format"
run check --baseline "$t/b.json" "$t/c15.json" --alpha 2; expect_error "bad --alpha" "--alpha"
run check --baseline "$t/b.json" "$t/c15.json" --no-such; expect_error "unknown option" "--no-such"
run baseline "$t/c15.json"; expect_error "baseline without save" "baseline"
run baseline save "$t/c15.json"; expect_error "baseline save without --output" "--output"
run history; expect_error "history without a file" "history"
run check --help
[[ $rc == 0 ]] && grep -q 'usage: perfan-bpf check' "$t/out" && ok "check --help" || no "check --help: exit $rc"

# --- history: change points with the run where the level moved --------------------------------
rm -f "$t/h.json"
for i in $(seq 1 12); do
	v=$([[ $i -le 6 ]] && echo 10.$((i % 2)) || echo 13.$((i % 2)))
	printf '{"schema_version": 1, "results": [{"name": "h", "unit": "ms", "value": %s}]}\n' "$v" >"$t/h$i.json"
	"$PB" baseline save "$t/h$i.json" --output "$t/h.json" --label "build-$i" >/dev/null 2>&1 || no "history save $i"
done
run history "$t/h.json"
expect_rc "history" 0
grep -q 'level moved at run 7 (build-7)' "$t/out" && ok "history: level moved at run 7 (build-7)" || no "history: $(cat "$t/out")"
run history "$t/h.json" --format json
jq -e '.benchmarks[0].change_points | length == 1 and .[0].run == 7 and .[0].label == "build-7"' "$t/out" >/dev/null &&
	ok "history --format json: one change point at run 7" || no "history json: $(head -c 400 "$t/out")"
for i in 1 2 3 4 5; do "$PB" baseline save "$t/h$i.json" --output "$t/hb.json" --history 3 >/dev/null 2>&1; done
jq -e '.baselines[0].history | length == 3 and .[0].run == 3 and .[2].run == 5' "$t/hb.json" >/dev/null &&
	ok "--history 3 keeps the newest three runs" || no "bounded history: $(jq -c '.baselines[0].history' "$t/hb.json")"
run history "$F/bad_not_json.json"
expect_error "history of a file that is not a baseline" "bad_not_json.json"

echo "regress-cli: $pass passed, $failn failed"
[[ $failn == 0 ]]
