#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of `perfan-bpf time` with real BPF on tests/workloads/timed.c and
# throwing.cc, whose functions have known costs and exactly known call counts: the p50 bound,
# recursion, the kernel's nesting limit, longjmp, a C++ exception, per-thread counts, errors,
# Ctrl-C, and the chain time --runs -> baseline save -> check.
# Needs root; never skips. Prints "ok"/"FAIL" per check and "timing: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
TIMED=$PWD/.output/workloads/timed
THROW=$PWD/.output/workloads/throwing
. tests/integration/lib.sh timing
# metadata field of function FUNC in results file
meta() { jq -r --arg f "$2" --arg k "$3" '.results[] | select(.name | endswith(":" + $f)) | .metadata[$k]' "$1" 2>/dev/null; }
field() { jq -r --arg f "$2" --arg k "$3" '.results[] | select(.name | endswith(":" + $f)) | .[$k]' "$1" 2>/dev/null; }

if [[ $EUID != 0 ]]; then no "must run as root (BPF and uprobes)"; finish; fi
if [[ ! -x $PB || ! -x $TIMED || ! -x $THROW ]]; then no "build first: make all"; finish; fi

# --- known costs: p50 within the bucket error of known time + measured overhead
timeout 60 "$PB" time --func busy_200us,sleep_5ms,tiny --output known.json -- "$TIMED" known 100 \
	>known.txt 2>known.err
check "known: exit status" 0 $?
check "known: busy_200us calls" 100 "$(meta known.json busy_200us calls)"
check "known: sleep_5ms calls" 100 "$(meta known.json sleep_5ms calls)"
check "known: tiny calls" 100 "$(meta known.json tiny calls)"
# the bound: |p50 - (T + O)| <= W, where T is the known time, O the calibrated overhead and W
# the width of the histogram bucket at T + O (the most a quantile can be off: <= 6.25 %)
bound() { # func known_ns
	local p50 o
	p50=$(meta known.json "$1" p50_ns)
	o=$(field known.json "$1" overhead)
	awk -v p="$p50" -v t="$2" -v o="$o" 'BEGIN {
		x = t + o; e = int(log(x) / log(2)); w = 2 ^ (e - 4)
		d = p - x; if (d < 0) d = -d
		printf "%s %.0f %.0f %.0f\n", (d <= w ? "in" : "out"), p, x, w }'
}
for fk in busy_200us:200000 sleep_5ms:5000000; do
	r=$(bound "${fk%%:*}" "${fk##*:}")
	if [[ $r == in* ]]; then ok "known: ${fk%%:*} p50 within bucket error (p50, T+O, W = ${r#in })"
	else no "known: ${fk%%:*} p50 outside |p50 - (T+O)| <= W (p50, T+O, W = ${r#out })"; fi
done
check "known: tiny is flagged near the probe overhead" true "$(meta known.json tiny near_overhead)"
check "known: busy_200us is not flagged" false "$(meta known.json busy_200us near_overhead)"
grep -q "p50 is under 10x the probe overhead" known.txt && ok "known: flag printed" || no "known: flag not printed"
grep -q "probe overhead .* per call" known.txt && ok "known: overhead printed beside each function" ||
	no "known: no overhead line"
grep -q "range .*count .*distribution" known.txt && ok "known: histogram printed" || no "known: no histogram"

# --- recursion: depth 10 is 11 timed calls per tree
"$PB" time --func recurse --output rec.json -- "$TIMED" recurse 30 10 >/dev/null 2>&1
check "recursion depth 10: 11 calls per tree x 30" 330 "$(meta rec.json recurse calls)"
check "recursion depth 10: nothing stale" 0 "$(meta rec.json recurse stale_dropped)"
# depth 100 with uretprobes: the kernel arms 64 nested return probes, the other 37 are counted
"$PB" time --func recurse --output deep.json -- "$TIMED" recurse 10 100 >/dev/null 2>&1
check "depth 100 (uretprobe): 64 timed per tree" 640 "$(meta deep.json recurse calls)"
check "depth 100 (uretprobe): 37 per tree over the kernel's limit, counted" 370 \
	"$(meta deep.json recurse depth_limited)"
"$PB" time --returns insn --func recurse --output deepi.json -- "$TIMED" recurse 10 100 >/dev/null 2>&1
check "depth 100 (return instructions): all 101 timed per tree" 1010 "$(meta deepi.json recurse calls)"

# --- longjmp: the jumped-over entries are dropped and counted, later calls stay right
for how in auto insn; do
	"$PB" time --returns $how --func 'jump*' --output jump-$how.json -- "$TIMED" jump 40 >/dev/null 2>&1
	check "longjmp ($how): jumper timed for its 40 normal returns" 40 "$(meta jump-$how.json jumper calls)"
	check "longjmp ($how): 40 stale jumper entries dropped" 40 "$(meta jump-$how.json jumper stale_dropped)"
	# a corrupted pairing would join a return to an entry 20 us + a jump older: p50 ~ 20 us
	p50=$(meta jump-$how.json jumper p50_ns)
	o=$(field jump-$how.json jumper overhead)
	if awk -v p="$p50" -v o="$o" 'BEGIN { exit !(p >= 20000 && p <= (20000 + o) * 1.25) }'; then
		ok "longjmp ($how): jumper p50 $p50 ns is one call's time"
	else no "longjmp ($how): jumper p50 $p50 ns is not ~20 us + overhead $o"; fi
done
jq -e '.results[] | select(.name | endswith(":jump_out"))' jump-auto.json >/dev/null &&
	no "longjmp: jump_out never returns, yet has a result" || ok "longjmp: jump_out (never returns) has no result"

# --- C++: an exception unwinds through the timed frames; the program must not notice
timeout 60 "$PB" time --func '*may_throw*,*middle*' --output cxx.json -- "$THROW" 200 >cxx.txt 2>cxx.err
check "C++: perfan-bpf exit status" 0 $?
grep -q "done 200 caught 50" cxx.err && ok "C++: the program ran to the end (200 calls, 50 caught)" ||
	no "C++: the program did not finish normally: $(tail -c 300 cxx.err)"
grep -q "exited with status" cxx.err && no "C++: the program exited non-zero" || ok "C++: the program exited 0"
check "C++: may_throw timed for its 150 normal returns" 150 "$(meta cxx.json _Z9may_throwi calls)"
check "C++: middle timed for its 150 normal returns" 150 "$(meta cxx.json _Z6middlei calls)"
check "C++: 50 thrown-through entries dropped" 50 "$(meta cxx.json _Z9may_throwi stale_dropped)"
check "C++: timed by probes on return instructions" return-instructions "$(meta cxx.json _Z9may_throwi probe)"

# --- per-thread breakdown
"$PB" time --per-thread --func thread_fn -- "$TIMED" threads >thr.txt 2>&1
check "per-thread: thread rows with exact counts" "calls 100 calls 200" \
	"$(grep -A1 '^  tid' thr.txt | grep -o 'calls [0-9]*' | sort -t' ' -k2n | tr '\n' ' ' | sed 's/ $//')"

# --- errors: one line, exit 2
one_line_exit2() { # description command...
	local what=$1 rc lines
	shift
	timeout 20 "$@" >/dev/null 2>err
	rc=$?
	lines=$(wc -l <err)
	if [[ $rc == 2 && $lines == 1 ]]; then ok "$what: exit 2, one line: $(cat err)"
	else no "$what: want exit 2 and one stderr line, got exit $rc and $lines lines: $(head -c 300 err)"; fi
}
one_line_exit2 "no match" "$PB" time --func 'no_such_fn*' -- "$TIMED" known 1
grep -q "$TIMED" err && ok "no match: the error names the binary searched" || no "no match: binary not named: $(cat err)"
cp "$TIMED" fakego
objcopy --add-section .go.buildinfo=/dev/null fakego 2>/dev/null
one_line_exit2 "Go binary refused" "$PB" time --func busy_200us -- ./fakego known 1
grep -q "Go program" err && ok "Go: the message says why" || no "Go: unclear message: $(cat err)"
one_line_exit2 "no --func" "$PB" time --pid 1
one_line_exit2 "no such pid" "$PB" time --pid 999999999 --func x
one_line_exit2 "--runs without a command" "$PB" time --pid 1 --func x --runs 3
one_line_exit2 "bad --stat" "$PB" time --func x --stat p42 -- true

# --- a live process by pid: Ctrl-C prints what was collected; the process goes on
"$TIMED" loop >loop.out 2>&1 &
wl=$!
bg_pids+=("$wl")
for _ in $(seq 50); do grep -q READY loop.out && break; sleep 0.1; done
"$PB" time --pid "$wl" --func busy_200us --interval 0.5 >live.txt 2>live.err &
tr=$!
for _ in $(seq 100); do grep -q "Ctrl-C to stop" live.err && break; sleep 0.1; done
sleep 1.3
kill -INT "$tr"
wait "$tr"
check "--pid: exit 0 on Ctrl-C" 0 $?
grep -q "^Timing of pid $wl" live.txt && ok "--pid: final report on Ctrl-C" || no "--pid: no final report"
grep -q "^Interval of pid $wl" live.txt && ok "--pid: interval report" || no "--pid: no interval report"
kill -0 "$wl" 2>/dev/null && ok "--pid: the process still runs" || no "--pid: the process died"
kill -TERM "$wl"; wait "$wl" 2>/dev/null

# --- end to end: time --runs 5 --output, baseline save, check
"$PB" time --func work_fn --runs 5 --output base.json -- "$TIMED" chain 100 >/dev/null 2>base.err
check "chain: baseline run" 0 $?
check "chain: 5 per-run samples" 5 "$(jq '.results[0].samples | length' base.json 2>/dev/null)"
"$PB" baseline save base.json --output baseline.json >/dev/null 2>&1
check "chain: baseline save" 0 $?
PERFAN_SLOW=1 "$PB" time --func work_fn --runs 5 --output slow.json -- "$TIMED" chain 100 >/dev/null 2>&1
"$PB" check --baseline baseline.json slow.json >check-slow.txt 2>&1
check "chain: doubled work -> check exits 1" 1 $?
grep -q CRITICAL check-slow.txt && ok "chain: CRITICAL reported" || no "chain: no CRITICAL: $(head -c 400 check-slow.txt)"
"$PB" time --func work_fn --runs 5 --output same.json -- "$TIMED" chain 100 >/dev/null 2>&1
"$PB" check --baseline baseline.json same.json >check-same.txt 2>&1
check "chain: same work -> check exits 0" 0 $?
# --- a library given with --binary: the header names the process's program, then the library
# (issue 12, item 8); --duration ends the session while the command runs on: said, with its pid
"$PB" time --func malloc --binary libc.so.6 --duration 1 -- "$TIMED" known 2000 >lib.txt 2>lib.err
check "--binary libc.so.6: header names the program and the library" 1 \
	"$(grep -c "^Timing of pid [0-9]* ($TIMED; functions in /.*libc.so.6) after" lib.txt)"
check "--duration before the command ends: it runs on, named with its pid" 1 \
	"$(grep -c "is still running, no longer traced" lib.err)"
left=$(sed -n "s/.*(pid \([0-9]*\)) is still running.*/\1/p" lib.err)
kill -0 "${left:-0}" 2>/dev/null && ok "the command named still runs" || no "no command $left runs"
kill "${left:-0}" 2>/dev/null
finish
