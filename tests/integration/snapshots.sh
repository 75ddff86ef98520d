#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of labelled snapshots with real BPF: `perfan-bpf mark`, the target's
# PERFAN_MARK (USDT), SIGUSR1, --snapshot-every and the end of the session, on
# tests/workloads/phases.c whose allocations per phase are known exactly; then diff, trend and
# report on the session files, including one left by a session killed with SIGKILL.
# Needs root; never skips. Prints "ok"/"FAIL" per check and "snapshots: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WL=$PWD/.output/workloads/phases
LEAKY=$PWD/.output/workloads/leaky
. tests/integration/lib.sh snapshots
# labels of the snapshots in a session file (plain or gzip), in order, space-separated
labels_of() { zcat -f "$1" 2>/dev/null | jq -r 'select(.type == "snapshot") | .label' | tr '\n' ' '; }
wait_label() { # session label
	for _ in $(seq 100); do
		labels_of "$1" | grep -qw -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
# "byte_delta object_delta" of the diff's stacks whose first frame is FUNC
delta_of() {
	jq -r --arg f "$2" '[.stacks[] | select(.frames[0].function == $f)]
	  | "\(map(.byte_delta) | add // 0) \(map(.object_delta) | add // 0)"' "$1" 2>/dev/null
}
one_line_exit2() { # description command...: exit 2 with exactly one line on stderr
	local what=$1 rc lines
	shift
	timeout 20 "$@" >/dev/null 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [[ $rc == 2 && $lines == 1 ]]; then
		ok "$what: exit 2, one line: $(cat "$T/err")"
	else
		no "$what: want exit 2 and one stderr line, got exit $rc and $lines lines: $(head -c 300 "$T/err")"
	fi
}

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$WL" "$LEAKY"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done

# --- every way to take a snapshot, on a process with known phases
"$WL" >"$T/wl.out" 2>&1 &
wl=$!
bg_pids+=("$wl")
wait_for "$T/wl.out" READY
"$PB" --pid "$wl" --output "$T/s.session" --interval 60 >"$T/s.report" 2>"$T/s.err" &
pb=$!
bg_pids+=("$pb")
wait_for "$T/s.err" "tracing pid" || no "the session did not start: $(cat "$T/s.err")"
one_line_exit2 "a second session on the same pid" "$PB" --pid "$wl" --duration 1 --no-output
"$PB" mark before --pid "$wl"
check "mark before: exit 0" 0 $?
check "mark returns once the snapshot is in the file" "before " "$(labels_of "$T/s.session")"
kill -USR1 "$wl"
wait_for "$T/wl.out" "MARKED after-phase1"
wait_label "$T/s.session" after-phase1 || no "the USDT mark after-phase1 made no snapshot"
"$PB" mark mid --pid "$wl"
check "mark mid: exit 0" 0 $?
kill -USR1 "$pb"
wait_label "$T/s.session" sigusr1-1 || no "SIGUSR1 to the session made no snapshot"
kill -USR1 "$wl"
wait_for "$T/wl.out" "MARKED after-phase2"
wait_label "$T/s.session" after-phase2 || no "the USDT mark after-phase2 made no snapshot"
"$PB" mark after --pid "$wl"
check "mark after: exit 0" 0 $?
kill -USR1 "$wl" # the workload exits; the session ends by itself
wait "$pb"
check "session ends with the target: exit 0" 0 $?
check "labels in order, 'end' last" "before after-phase1 mid sigusr1-1 after-phase2 after end " \
	"$(labels_of "$T/s.session")"
check "the session names its file" 1 "$(grep -c "7 snapshots in $T/s.session" "$T/s.err")"
check "RSS read while alive, not after exit" "true null" \
	"$(jq -r 'select(.type == "snapshot" and (.label == "mid" or .label == "end"))
	  | if .rss_bytes == null then "null" else (.rss_bytes > 0 | tostring) end' "$T/s.session" | tr '\n' ' ' | sed 's/ $//')"
check "the control socket is removed at the end" 0 "$(ls /run/perfan-bpf/"$wl".sock 2>/dev/null | wc -l)"

"$PB" diff "$T/s.session" before after-phase1 --format json >"$T/d1.json"
check "diff before after-phase1: exit 0" 0 $?
check "diff before after-phase1: totals" "30 3000 false" \
	"$(jq -r '"\(.object_delta) \(.byte_delta) \(.leak_suspected)"' "$T/d1.json")"
check "diff before after-phase1: phase1_leak +3000 B +30" "3000 30" "$(delta_of "$T/d1.json" phase1_leak)"
"$PB" diff "$T/s.session" after-phase1 after-phase2 --format json >"$T/d2.json"
check "diff after-phase1 after-phase2: totals" "10 3000" \
	"$(jq -r '"\(.object_delta) \(.byte_delta)"' "$T/d2.json")"
check "diff after-phase1 after-phase2: phase2_leak +4000 B +20" "4000 20" "$(delta_of "$T/d2.json" phase2_leak)"
check "diff after-phase1 after-phase2: phase1_leak -1000 B -10" "-1000 -10" "$(delta_of "$T/d2.json" phase1_leak)"
"$PB" diff "$T/s.session" after-phase1 mid --format json >"$T/d3.json"
check "diff between a USDT mark and a mark from outside at the same point: nothing" "0 0" \
	"$(jq -r '"\(.object_delta) \(.byte_delta)"' "$T/d3.json")"
"$PB" diff "$T/s.session" --format json >"$T/d4.json"
check "diff with no labels: first (before) to last (end)" "40 6000" \
	"$(jq -r '"\(.object_delta) \(.byte_delta)"' "$T/d4.json")"
"$PB" diff "$T/s.session" before end --leak-threshold 39 --fail-on-leak >/dev/null
check "diff --leak-threshold 39 --fail-on-leak: 40 objects is a suspected leak, exit 1" 1 $?
"$PB" diff "$T/s.session" before end --leak-threshold 40 --fail-on-leak >/dev/null
check "diff --leak-threshold 40 --fail-on-leak: not above the threshold, exit 0" 0 $?
"$PB" report "$T/s.session" --label after-phase2 --format json >"$T/r.json"
check "report --label after-phase2: live 6000 B in 40 objects" "6000 40" \
	"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/r.json")"
check "report --label after-phase2: phase2_leak's stack first" "phase2_leak 4000" \
	"$(jq -r '"\(.stacks[0].frames[0].function) \(.stacks[0].live_bytes)"' "$T/r.json")"
one_line_exit2 "diff with an unknown label" "$PB" diff "$T/s.session" before no-such-label
one_line_exit2 "mark with no session for that pid" "$PB" mark x --pid "$wl"
one_line_exit2 "mark with a label holding a newline" "$PB" mark $'a\nb' --pid 1
one_line_exit2 "--output in a directory that does not exist" \
	"$PB" --pid $$ --output /nonexistent/dir/s.session --duration 1

# --- a session killed with SIGKILL leaves a file diff reads; its stale socket does not block
"$WL" >"$T/k.out" 2>&1 &
wl=$!
bg_pids+=("$wl")
wait_for "$T/k.out" READY
"$PB" --pid "$wl" --output "$T/k.session.gz" >/dev/null 2>"$T/k.err" &
pb=$!
wait_for "$T/k.err" "tracing pid"
"$PB" mark a --pid "$wl"
kill -USR1 "$wl"
wait_for "$T/k.out" "MARKED after-phase1"
"$PB" mark b --pid "$wl"
kill -9 "$pb"
wait "$pb" 2>/dev/null
"$PB" diff "$T/k.session.gz" a b --format json >"$T/k.json" 2>"$T/k.derr"
check "diff of a gzip session killed with SIGKILL: exit 0" 0 $?
check "diff of the killed session: phase1_leak +3000 B +30" "3000 30" "$(delta_of "$T/k.json" phase1_leak)"
"$PB" --pid "$wl" --duration 0.5 --no-output >/dev/null 2>"$T/k2.err"
check "a new session starts over the killed one's stale socket" 0 $?
kill -9 "$wl"

# --- trend: a steady leak, a cache that fills then stays, a spike that returns
"$WL" -t >"$T/t.out" 2>&1 &
wl=$!
bg_pids+=("$wl")
wait_for "$T/t.out" READY
"$PB" --pid "$wl" --output "$T/t.session" --interval 60 >/dev/null 2>"$T/t.err" &
pb=$!
wait_for "$T/t.err" "tracing pid"
kill -USR1 "$wl"
for r in 1 2 3 4 5 6 7 8; do
	wait_label "$T/t.session" "round-$r" || no "no snapshot round-$r"
	kill -USR1 "$wl"
done
wait "$pb"
check "trend session: 8 rounds and end" "round-1 round-2 round-3 round-4 round-5 round-6 round-7 round-8 end " \
	"$(labels_of "$T/t.session")"
"$PB" trend "$T/t.session" --format json >"$T/t.json"
check "trend: exit 0" 0 $?
class_of() { jq -r --arg f "$1" '[.stacks[] | select(.frames[0].function == $f) | .class] | join(",")' "$T/t.json"; }
check "trend: steady_leak is a leak" leak "$(class_of steady_leak)"
check "trend: cache_fill grew then plateaued" plateau "$(class_of cache_fill)"
check "trend: spike_alloc returned" transient "$(class_of spike_alloc)"
"$PB" trend "$T/t.session" >"$T/t.txt"
# 9 snapshots (round-1..8 and end): 8 intervals, of which round-8 -> end holds still
check "trend text: the leak's diagnosis names the function, file:line and the growth" 1 \
	"$(grep -c 'steady_leak (phases.c:[0-9]*): 9.8 KiB → 78.1 KiB over 9 snapshots, +9.1 KiB per snapshot.*grew in 7/8 intervals — leak' "$T/t.txt")"

# --- --min-age: reports count only allocations at least that old; snapshots keep all
"$WL" >"$T/a.out" 2>&1 &
wl=$!
bg_pids+=("$wl")
wait_for "$T/a.out" READY
"$PB" --pid "$wl" --min-age 1 --format json --output "$T/a.session" >"$T/a.json" 2>"$T/a.err" &
pb=$!
wait_for "$T/a.err" "tracing pid"
kill -USR1 "$wl"
wait_for "$T/a.out" "MARKED after-phase1"
sleep 1.5 # phase 1's blocks grow older than --min-age; phase 2's will be younger
kill -USR1 "$wl"
wait_for "$T/a.out" "MARKED after-phase2"
kill -INT "$pb"
wait "$pb"
check "--min-age 1: exit 0" 0 $?
check "--min-age 1: phase1_leak's 20 blocks (1.5 s old) count, phase2_leak's (just made) do not" \
	"phase1_leak 2000 20 30,phase2_leak 0 0 20" \
	"$(jq -r '[.stacks[] | "\(.frames[0].function) \(.live_bytes) \(.live_objects) \(.alloc_objects)"] | sort | join(",")' "$T/a.json")"
check "--min-age: the session's end snapshot still holds every live block" "6000 40" \
	"$(jq -r 'select(.type == "snapshot" and .label == "end") | "\(.totals.live_bytes) \(.totals.live_objects)"' "$T/a.session")"
kill -9 "$wl"

# --- --snapshot-every, launch mode, the default file name
"$PB" leak --snapshot-every 0.4 --format json -- "$LEAKY" -h 1 >"$T/e.json" 2>"$T/e.err"
check "--snapshot-every in launch mode: exit 0" 0 $?
child=$(jq .pid "$T/e.json")
f=$(ls "$T"/perfan-"$child"-*.session 2>/dev/null | head -n1)
check "default session file perfan-PID-DATE-TIME.session in the current directory" 1 \
	"$(ls "$T"/perfan-"$child"-*.session 2>/dev/null | wc -l)"
check "--snapshot-every 0.4: first labels t+0.4, t+0.8" "t+0.4 t+0.8 " \
	"$(labels_of "$f" | cut -d' ' -f1-2) "
check "--snapshot-every: the last snapshot is 'end'" end "$(labels_of "$f" | awk '{print $NF}')"

finish
