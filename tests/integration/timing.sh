#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of `perfan-bpf time` with real BPF on tests/workloads/timed.c and
# throwing.cc, whose functions have known costs and exactly known call counts: call counts,
# recursion, the kernel's nesting limit, longjmp, a C++ exception, per-thread counts, errors,
# Ctrl-C, the chain time --runs -> baseline save -> check, the entry probe's placement and the
# overhead of its kind, nested probe calls, result names, and the README recipe end to end.
# Needs root; never skips. Prints "ok"/"FAIL" per check and "timing: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
TIMED=$PWD/.output/workloads/timed
THROW=$PWD/.output/workloads/throwing
. tests/integration/lib.sh timing
# metadata field of function FUNC in results file (results are named by the function)
meta() { jq -r --arg f "$2" --arg k "$3" '.results[] | select(.name == $f) | .metadata[$k]' "$1" 2>/dev/null; }
field() { jq -r --arg f "$2" --arg k "$3" '.results[] | select(.name == $f) | .[$k]' "$1" 2>/dev/null; }

if [[ $EUID != 0 ]]; then no "must run as root (BPF and uprobes)"; finish; fi
if [[ ! -x $PB || ! -x $TIMED || ! -x $THROW ]]; then no "build first: make all"; finish; fi

# --- known costs: p50 within the bucket error of known time + measured overhead
timeout 60 "$PB" time --func busy_200us,sleep_5ms,tiny --output known.json -- "$TIMED" known 100 \
	>known.txt 2>known.err
check "known: exit status" 0 $?
check "known: busy_200us calls" 100 "$(meta known.json busy_200us calls)"
check "known: sleep_5ms calls" 100 "$(meta known.json sleep_5ms calls)"
check "known: tiny calls" 100 "$(meta known.json tiny calls)"
# how close p50 comes to the known time (T + overhead) is timing: tools/bench/timing_accuracy.sh
# measures it (`make bench-timing`); this machine is too noisy to assert it here
check "known: tiny is flagged near the probe overhead" true "$(meta known.json tiny near_overhead)"
check "known: busy_200us is not flagged" false "$(meta known.json busy_200us near_overhead)"
grep -q "p50 is under 10x the probe overhead" known.txt && ok "known: flag printed" || no "known: flag not printed"
grep -q "probe overhead .* per call" known.txt && ok "known: overhead printed beside each function" ||
	no "known: no overhead line"
grep -q "range .*count .*distribution" known.txt && ok "known: histogram printed" || no "known: no histogram"

# --- result names (issue 14, item 8): the function's name, so that a renamed or moved binary
# matches its baseline; the binary in the metadata; numbers as JSON numbers
check "names: each result is named by its function" "busy_200us sleep_5ms tiny" \
	"$(jq -r '[.results[].name] | sort | join(" ")' known.json 2>/dev/null)"
check "names: the binary is in the metadata" "$TIMED" "$(meta known.json tiny binary)"
check "metadata: counts, times and the flag are JSON numbers and booleans" \
	"number number number boolean number" \
	"$(jq -r '.results[] | select(.name == "tiny") | .metadata | [.calls, .p50_ns, .stale_dropped,
		.near_overhead, .nested_probe_calls] | map(type) | join(" ")' known.json 2>/dev/null)"
"$PB" time --name svc --func tiny --output named.json -- "$TIMED" known 3 >/dev/null 2>&1
check "--name svc: the result is svc:tiny" "svc:tiny" "$(jq -r '.results[0].name' named.json 2>/dev/null)"

# --- recursion: depth 10 is 11 timed calls per tree
"$PB" time --func recurse --output rec.json -- "$TIMED" recurse 30 10 >/dev/null 2>&1
check "recursion depth 10: 11 calls per tree x 30" 330 "$(meta rec.json recurse calls)"
check "recursion depth 10: nothing stale" 0 "$(meta rec.json recurse stale_dropped)"
# each call sees its deeper calls' probes: 10 + 9 + ... + 0 = 55 per tree
check "recursion depth 10: 55 nested probe calls per tree x 30" 1650 \
	"$(meta rec.json recurse nested_probe_calls)"
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
	# a call spins 20 us: no pairing can read less (how close it comes to 20 us + the overhead,
	# where a corrupted pairing would read two calls, is measured by make bench-timing)
	p50=$(meta jump-$how.json jumper p50_ns)
	if awk -v p="$p50" 'BEGIN { exit !(p >= 20000) }'; then
		ok "longjmp ($how): jumper p50 $p50 ns is at least one call's time"
	else no "longjmp ($how): jumper p50 '$p50' ns is under the 20 us a call spins"; fi
done
jq -e '.results[] | select(.name == "jump_out")' jump-auto.json >/dev/null &&
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
one_line_exit2 "--name with a ':'" "$PB" time --name a:b --func x -- true

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

# --- the entry probe's placement and the overhead that applied (issue 14, item 4). stepped_50us
# begins with `sub $8,%rsp`: the kernel single-steps it, and no probe may go past a change of
# %rsp. moved_50us begins with `mov %rdi,%rax; xor %edx,%edx; push %rbp`: the probe goes to the
# push at +5, which the kernel emulates. Each function's overhead is calibrated on perfan-bpf's
# own empty function with its entry probe on an instruction of the same kind.
timeout 60 "$PB" time --verbose --func stepped_50us,moved_50us --output step.json -- \
	"$TIMED" stepped 200 >step.txt 2>step.err
check "placement: exit status" 0 $?
check "placement: sub \$8,%rsp first: the probe stays at the entry" "0 single-stepped" \
	"$(meta step.json stepped_50us entry_probe_offset) $(meta step.json stepped_50us entry_probe)"
check "placement: mov, xor, push: the probe goes to the push at +5" "5 emulated" \
	"$(meta step.json moved_50us entry_probe_offset) $(meta step.json moved_50us entry_probe)"
check "placement: --verbose names both placements" 2 \
	"$(grep -cE 'stepped_50us at .*entry probe \+0 \(single-stepped\)|moved_50us at .*entry probe \+0x5 \(emulated\)' step.err)"
check "placement: the overhead printed is the one of each function's kind" \
	"emulated single-stepped" \
	"$(sed -n 's/.*probe overhead .* per call (empty function, p50; entry probe \([a-z-]*\)).*/\1/p' step.txt | tr '\n' ' ' | sed 's/ $//')"
check "placement: two calibrations, one per kind" 1 \
	"$(grep -c 'probe overhead [0-9.]* [nu]s (uretprobe, entry emulated), [0-9.]* [nu]s (uretprobe, entry single-stepped)' step.err)"
# what each kind costs and how close p50 comes to 50 us + that cost is timing, measured by
# tools/bench/timing_accuracy.sh (`make bench-timing`), not asserted here
# the same placement with probes on return instructions
"$PB" time --returns insn --func stepped_50us,moved_50us --output stepi.json -- "$TIMED" stepped 20 \
	>stepi.txt 2>&1
check "placement (--returns insn): the same entry probes" "0 single-stepped 5 emulated" \
	"$(meta stepi.json stepped_50us entry_probe_offset) $(meta stepi.json stepped_50us entry_probe) $(meta stepi.json moved_50us entry_probe_offset) $(meta stepi.json moved_50us entry_probe)"
check "placement (--returns insn): overheads of both kinds" 2 \
	"$(grep -cE 'probe overhead .*entry probe (emulated|single-stepped)\)' stepi.txt)"

# --- nested probe calls (issue 14, item 5): outer (20 us of its own) calls inner 50 times; its
# durations hold inner's 100 probe traps, counted exactly and warned about
for how in auto insn; do
	"$PB" time --returns $how --func outer,inner --output nest-$how.json -- "$TIMED" nested 20 50 \
		>nest-$how.txt 2>&1
	check "nested ($how): outer has 20 x 50 nested probe calls" "1000 50" \
		"$(meta nest-$how.json outer nested_probe_calls) $(meta nest-$how.json outer nested_probe_calls_per_call)"
	check "nested ($how): inner has none, and 1000 calls" "0 1000" \
		"$(meta nest-$how.json inner nested_probe_calls) $(meta nest-$how.json inner calls)"
	check "nested ($how): the text counts them" 1 "$(grep -c '^  nested probe calls 1000 (50 per call)' nest-$how.txt)"
	check "nested ($how): the text warns that they are most of outer's time" 1 \
		"$(grep -c '^  ! .* of this time is the traps of the timed calls inside it' nest-$how.txt)"
done
# --subtract-nested: each duration less the calibrated cost of the probes inside it
"$PB" time --subtract-nested --func outer,inner --output nest-sub.json -- "$TIMED" nested 20 50 \
	>nest-sub.txt 2>&1
sub_rc=$?
# (a CI run once found no results here while the text was right: say what the run printed)
[[ -s nest-sub.json ]] || no "--subtract-nested: no results file (exit $sub_rc): $(tail -c 400 nest-sub.txt)"
# (on a loaded host the calibrated traps can exceed most of outer's calls: nothing is left of
# its p50, and it must then be left out of the results with a warning, never silently)
if [[ -n $(meta nest-sub.json outer calls) ]]; then
	check "--subtract-nested: marked, the count unchanged" "true 1000" \
		"$(meta nest-sub.json outer nested_subtracted) $(meta nest-sub.json outer nested_probe_calls)"
else
	check "--subtract-nested: outer left out of the results (nothing left of its p50), said" 1 \
		"$(grep -c "^perfan-bpf: warning: outer: nothing is left of its p50 once the traps of its nested probes are subtracted; it is not in nest-sub.json" nest-sub.txt)"
fi
check "--subtract-nested: the text says so" 1 "$(grep -c '^  nested probe calls 1000 (50 per call).* are subtracted' nest-sub.txt)"
# how much of the traps it removes is a timing value, measured by tools/bench/timing_accuracy.sh
# (outer's p50 / 20 us, with and without): two runs here differ by the machine's state

# --- the README recipe end to end (issue 14, item 1): three functions timed with --runs 5;
# bench_route takes 25% longer in the second set, run from a renamed copy of the binary
# elsewhere (item 8: the results still match). Needs 5 runs (docs/timing.md).
funcs=bench_parse,bench_route,bench_render
"$PB" time --func $funcs --runs 5 --output rbase.json -- "$TIMED" recipe 40 >/dev/null 2>recipe-base.err
check "recipe: the baseline runs" 0 $?
mkdir -p v2 && cp "$TIMED" v2/timed-v2
"$PB" time --func $funcs --runs 5 --output rnew.json -- ./v2/timed-v2 recipe 40 bench_route \
	>/dev/null 2>recipe-new.err
check "recipe: the new runs" 0 $?
verdicts() { jq -r '[.comparisons[] | "\(.name)=\(.severity)"] | sort | join(" ")' "$1" 2>/dev/null; }
caught() { # file: bench_route WARNING or CRITICAL, the others INFO
	[[ $(verdicts "$1") =~ ^bench_parse=INFO\ bench_render=INFO\ bench_route=(WARNING|CRITICAL)$ ]]
}
"$PB" baseline save rbase.json --output recipe-baseline.json >/dev/null 2>&1
"$PB" check --baseline recipe-baseline.json rnew.json --fail-on warning --format json >recipe-saved.json
check "recipe (baseline save): --fail-on warning exits 1" 1 $?
caught recipe-saved.json && ok "recipe (baseline save): bench_route +25% caught, the others ok: $(verdicts recipe-saved.json)" ||
	no "recipe (baseline save): want bench_route WARNING or CRITICAL and the others INFO, got $(verdicts recipe-saved.json)"
# the README's own commands: the old results compared directly
"$PB" check --against rbase.json rnew.json --fail-on warning --format json >recipe-direct.json 2>recipe-direct.err
check "recipe (README: check --against old results): --fail-on warning exits 1" 1 $?
caught recipe-direct.json && ok "recipe (README): bench_route +25% caught, the others ok: $(verdicts recipe-direct.json)" ||
	no "recipe (README): want bench_route WARNING or CRITICAL and the others INFO, got '$(verdicts recipe-direct.json)' $(head -c 200 recipe-direct.err)"
# --- --pid of a process chroot'ed in our mount namespace (an overlay over our root, as a
# container's), a library given by name: its mappings name its files from our root, where
# /proc/PID/root + that path is nothing ("cannot open ...libc.so.6" before). leaky -w
# allocates only after the signal: malloc's calls are the same counted either way.
LEAKY=$(dirname "$PB")/.output/workloads/leaky
time_leaky() { # label, then the command's prefix (none, or chroot ROOT)
	local label=$1 w
	shift
	"$@" "$LEAKY" -w -h 30 >"$T/$label.wl" 2>&1 &
	w=$!
	bg_pids+=("$w")
	wait_for "$T/$label.wl" READY || { no "$label: leaky never said READY"; return; }
	"$PB" time --pid "$w" --binary libc.so.6 --func malloc --output "$label.json" \
		>"$T/$label.txt" 2>&1 &
	local tp=$!
	wait_for "$T/$label.txt" "Ctrl-C to stop" || no "$label: time never started: $(cat "$T/$label.txt")"
	kill -USR1 "$w"
	wait_for "$T/$label.wl" LEAKED
	kill "$w"
	wait "$tp"
	check "$label: exit status" 0 $?
}
mkdir -p "$T/root/upper" "$T/root/work" "$T/root/merged"
if mount -t overlay overlay -o "lowerdir=/,upperdir=$T/root/upper,workdir=$T/root/work" \
	"$T/root/merged" 2>"$T/root.err"; then
	mounts+=("$T/root/merged")
	time_leaky plain
	time_leaky chroot chroot "$T/root/merged"
	n=$(meta plain.json malloc calls)
	[[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || no "plain: no malloc calls counted: '$n'"
	check "chroot'ed --pid, --binary libc.so.6: malloc's calls, as outside" "$n" \
		"$(meta chroot.json malloc calls)"
	umount "$T/root/merged"
else
	no "chroot'ed --pid: cannot mount an overlay over /: $(cat "$T/root.err")"
fi
finish
