#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make bench-timing` (after tools/bench/timing.sh), or alone: how close `perfan-bpf time` reads
# to the known time of tests/workloads/timed.c's functions, as ratios measured / true, medians of
# RUNS runs (default 5), and how reliably the README recipe catches a 25% change (issue 14).
#   placement   stepped_50us (first instruction `sub $8,%rsp`: single-stepped) and moved_50us
#               (`mov; xor; push`: the probe goes to the emulated push), 50 us each by
#               clock_gettime. Ratios: p50 / 50 us; (p50 - O) / 50 us with O the overhead of the
#               function's kind, as reported; and, for stepped_50us, (p50 - O_emulated) / 50 us,
#               what the overhead of an emulated entry (the calibration before issue 14) left.
#   known       busy_200us (spins 200 us) and sleep_5ms: p50 / (T + O), O their calibrated overhead
#   longjmp     jumper (20 us a call, every other call longjmp'd over): p50 / (20 us + O); a
#               corrupted pairing (a return joined to an older entry) would read 2 or more
#   nested      outer (20 us of its own) calling inner 50 times: p50 / 20 us as measured and with
#               --subtract-nested, and the nested probes' share of outer's mean.
#   recipe      REPS (default 5) times: time --runs RRUNS (default 5) of bench_parse, bench_route
#               and bench_render, then the same with bench_route 25% slower (caught: WARNING or
#               CRITICAL for it, INFO for the others), and the same again unchanged (A/A: a
#               false alarm is any verdict but INFO).
# Needs root. Writes nothing but stdout.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
REPS=${REPS:-5}
RRUNS=${RRUNS:-5}
PB=${PB:-$PWD/perfan-bpf}
TIMED=$PWD/.output/workloads/timed
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
q() { jq -r --arg f "$2" "$3" "$1" 2>/dev/null; } # file func jq-filter on the result of func
res='.results[] | select(.name == $f)'

declare -A col
for ((r = 1; r <= RUNS; r++)); do
	rm -f step.json nest.json nestsub.json
	"$PB" time --func stepped_50us,moved_50us --output step.json -- "$TIMED" stepped 400 >/dev/null 2>&1
	o_emul=$(q step.json moved_50us "$res | .overhead")
	for fn in stepped_50us moved_50us; do
		p=$(q step.json $fn "$res | .metadata.p50_ns")
		o=$(q step.json $fn "$res | .overhead")
		col[$fn-raw]+="$(awk -v p="$p" 'BEGIN { print p / 50000 }') "
		col[$fn-cal]+="$(awk -v p="$p" -v o="$o" 'BEGIN { print (p - o) / 50000 }') "
		col[$fn-o]+="$o "
	done
	p=$(q step.json stepped_50us "$res | .metadata.p50_ns")
	col[stepped-old]+="$(awk -v p="$p" -v o="$o_emul" 'BEGIN { print (p - o) / 50000 }') "
	rm -f known.json jump.json
	"$PB" time --func busy_200us,sleep_5ms --output known.json -- "$TIMED" known 100 >/dev/null 2>&1
	for fk in busy_200us:200000 sleep_5ms:5000000; do
		fn=${fk%%:*}
		col[$fn]+="$(q known.json "$fn" "$res | .metadata.p50_ns / (${fk##*:} + .overhead)") "
	done
	"$PB" time --func 'jump*' --output jump.json -- "$TIMED" jump 40 >/dev/null 2>&1
	col[jumper]+="$(q jump.json jumper "$res | .metadata.p50_ns / (20000 + .overhead)") "
	"$PB" time --func outer,inner --output nest.json -- "$TIMED" nested 40 50 >/dev/null 2>&1
	"$PB" time --subtract-nested --func outer,inner --output nestsub.json -- "$TIMED" nested 40 50 \
		>/dev/null 2>&1
	col[outer-raw]+="$(q nest.json outer "$res | .metadata.p50_ns / 20000") "
	col[outer-sub]+="$(q nestsub.json outer "$res | .metadata.p50_ns / 20000") "
	col[outer-share]+="$(q nest.json outer "$res | .metadata.nested_probe_cost_ns / .metadata.mean_ns") "
	echo "round $r/$RUNS done" >&2
done

caught=0 false_alarm=0 aa_alarm=0
verdicts() { jq -r '[.comparisons[] | "\(.name)=\(.severity)"] | sort | join(" ")' "$1" 2>/dev/null; }
funcs=bench_parse,bench_route,bench_render
for ((k = 1; k <= REPS; k++)); do
	rm -f base.json new.json same.json bl.json c1.json c2.json
	"$PB" time --func $funcs --runs "$RRUNS" --output base.json -- "$TIMED" recipe 40 >/dev/null 2>&1
	"$PB" time --func $funcs --runs "$RRUNS" --output new.json -- "$TIMED" recipe 40 bench_route \
		>/dev/null 2>&1
	"$PB" time --func $funcs --runs "$RRUNS" --output same.json -- "$TIMED" recipe 40 >/dev/null 2>&1
	"$PB" baseline save base.json --output bl.json >/dev/null 2>&1
	"$PB" check --baseline bl.json new.json --format json >c1.json 2>/dev/null
	"$PB" check --baseline bl.json same.json --format json >c2.json 2>/dev/null
	v=$(verdicts c1.json)
	[[ $v =~ bench_route=(WARNING|CRITICAL) ]] && caught=$((caught + 1))
	[[ $v == "bench_parse=INFO bench_render=INFO "* ]] || false_alarm=$((false_alarm + 1))
	[[ $(verdicts c2.json) == "bench_parse=INFO bench_render=INFO bench_route=INFO" ]] ||
		aa_alarm=$((aa_alarm + 1))
	echo "recipe $k/$REPS: $v | A/A: $(verdicts c2.json)" >&2
done

printf 'perfan-bpf time: measured / true (median of %d runs)\n' "$RUNS"
printf '  %-58s %6.3f\n' "stepped_50us (entry single-stepped): p50 / T" "$(m "${col[stepped_50us-raw]}")"
printf '  %-58s %6.3f\n' "  (p50 - overhead of its kind) / T" "$(m "${col[stepped_50us-cal]}")"
printf '  %-58s %6.3f\n' "  (p50 - overhead of an emulated entry, the old rule) / T" "$(m "${col[stepped-old]}")"
printf '  %-58s %6.0f ns\n' "  overhead reported (single-stepped entry)" "$(m "${col[stepped_50us-o]}")"
printf '  %-58s %6.3f\n' "moved_50us (probe moved to the emulated push): p50 / T" "$(m "${col[moved_50us-raw]}")"
printf '  %-58s %6.3f\n' "  (p50 - overhead of its kind) / T" "$(m "${col[moved_50us-cal]}")"
printf '  %-58s %6.0f ns\n' "  overhead reported (emulated entry)" "$(m "${col[moved_50us-o]}")"
printf '  %-58s %6.3f\n' "  overhead single-stepped / emulated" \
	"$(awk -v s="$(m "${col[stepped_50us-o]}")" -v e="$(m "${col[moved_50us-o]}")" 'BEGIN { print s / e }')"
printf '  %-58s %6.3f\n' "busy_200us: p50 / (T + overhead)" "$(m "${col[busy_200us]}")"
printf '  %-58s %6.3f\n' "sleep_5ms: p50 / (T + overhead)" "$(m "${col[sleep_5ms]}")"
printf '  %-58s %6.3f\n' "longjmp'd jumper: p50 / (20 us + overhead)" "$(m "${col[jumper]}")"
printf '  %-58s %6.3f\n' "outer (20 us, 50 timed inner calls): p50 / T" "$(m "${col[outer-raw]}")"
printf '  %-58s %6.3f\n' "  with --subtract-nested: p50 / T" "$(m "${col[outer-sub]}")"
printf '  %-58s %6.3f\n' "  nested probes' share of the mean" "$(m "${col[outer-share]}")"
printf 'README recipe, --runs %d, bench_route +25%%: caught %d/%d, false alarms on the others %d/%d; unchanged (A/A): alarms %d/%d\n' \
	"$RRUNS" "$caught" "$REPS" "$false_alarm" "$REPS" "$aa_alarm" "$REPS"
