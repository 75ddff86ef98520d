#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests: the real perfan-bpf binary with real BPF against workloads whose
# allocations are known exactly (tests/workloads/leaky.c). Needs root; never skips: without root
# or BPF every test here fails, because CI must not pass without running them.
# Prints "ok"/"FAIL" per check and a closing "N passed, N failed"; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WL=$PWD/.output/workloads/leaky
NOALLOC=$PWD/.output/workloads/noalloc
. tests/integration/lib.sh integration
LEAKS=$LEAKY_LEAKS # lib.sh: the exact leaks of leaky.c, and live_of
check_leaks() { # json label
	while read -r fn bytes objs; do
		check "$2: $fn live" "$bytes $objs" "$(live_of "$1" "$fn")"
	done <<<"$LEAKS"
	check "$2: totals" "22796 25" "$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$1")"
}

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$WL" "$NOALLOC"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done

# --- launch mode: exact numbers per allocator entry point, while an untraced copy also runs
"$WL" -w -h 20 >"$T/other.out" 2>&1 &
other=$!
bg_pids+=("$other")
wait_for "$T/other.out" READY
kill -USR1 "$other" # the other copy leaks too: none of it may show up in our report
timeout 60 "$PB" leak --format json -- "$WL" -u >"$T/launch.json" 2>"$T/launch.err"
check "launch: exit status" 0 $?
# glibc's usable sizes, from its chunk headers: what malloc_usable_size says of the leaked
# blocks (the workload sums it), and per stack: malloc(1000) 1000, memalign(32, 100) more
check "launch: live_usable_bytes is malloc_usable_size's sum over the leaked blocks" \
	"$(sed -n 's/^USABLE //p' "$T/launch.err")" "$(jq .totals.live_usable_bytes "$T/launch.json")"
check "launch: usable per stack: 7 x malloc(1000) 7000, 2 x reallocarray(NULL, 10, 30) 624" \
	"7000 624" "$(jq -r '[.stacks[] | select(.frames[0].function == "leak_malloc" or .frames[0].function == "leak_reallocarray") | .live_usable_bytes] | join(" ")' "$T/launch.json")"

check "launch: one JSON document" 1 "$(jq -s length "$T/launch.json" 2>/dev/null)"
check_leaks "$T/launch.json" launch
check "launch: pid is the command's" "$(jq .pid "$T/launch.json")" "$(jq '[.stacks[].pid] | unique | .[0]' "$T/launch.json")"
check "launch: churn allocations counted" 48030 "$(jq .totals.alloc_objects "$T/launch.json")"
check "launch: nothing lost" 0 "$(jq '[.lost[]] | add' "$T/launch.json")"
check "launch: command's stdout went to stderr" 1 "$(grep -c LEAKED "$T/launch.err")"
check "launch: first frame has module and offset" "$WL true" \
	"$(jq -r '.stacks[0].frames[0] | "\(.module) \(.offset > 0)"' "$T/launch.json")"
kill "$other" 2>/dev/null

# --- exec: a shell that allocates, then execs the workload (a wrapper script): the shell's
# blocks went with its image and are dropped; the workload's leak is exact (issue 12, item 2).
# The shell's own process alone: its command substitution forks seq and tr, which a session
# following forks would add (fork.sh tests that)
timeout 60 "$PB" leak --format json --no-output --no-follow-forks -- bash -c \
	'x=$(seq 1 20000 | tr "\n" " "); y=$x$x$x; exec "$0"' "$WL" >"$T/exec.json" 2>"$T/exec.err"
check "exec: exit status" 0 $?
check_leaks "$T/exec.json" exec
check "exec: said on stderr" 1 "$(grep -c "1 exec: the live blocks of the program before" "$T/exec.err")"

# --- a stripped copy (most Debian binaries are): the walk still reaches _start, now known by
# the ELF entry point rather than by name, so no stack is called truncated (issue 12, item 1)
cp "$WL" "$T/leaky-stripped" && strip "$T/leaky-stripped"
timeout 60 "$PB" leak --format json --no-output -- "$T/leaky-stripped" >"$T/stripped.json" \
	2>"$T/stripped.err"
check "stripped: exit status" 0 $?
check "stripped: totals" "22796 25" \
	"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/stripped.json")"
check "stripped: no stack truncated" "0 of $(jq '.stacks | length' "$T/stripped.json")" \
	"$(jq '[.stacks[] | select(.truncated)] | length' "$T/stripped.json") of $(jq '.stacks | length' "$T/stripped.json")"
check "stripped: the walk ends in the program's entry code, unnamed" "null $T/leaky-stripped" \
	"$(jq -r '[.stacks[] | select(.live_bytes == 7000)][0].frames[-1] | "\(.function) \(.module)"' "$T/stripped.json")"

# The first byte of libc's malloc in process $1's memory, in hex (the probe's breakpoint: cc)
LIBC=$(ldd "$WL" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
MALLOC_VA=$(nm -D --defined-only "$LIBC" | sed -n 's/^\([0-9a-f]*\) T malloc@@.*/\1/p')
malloc_byte() {
	# the executable mapping of the library that holds it (libc's code is at file offset =
	# its address); another mapping of the file (one read as data) may hold a breakpoint too
	local lib range perms off _dev _ino path va=$((16#$MALLOC_VA)) s e o
	lib=$(readlink -f "$LIBC")
	while read -r range perms off _dev _ino path; do
		[[ $path == "$lib" && $perms == *x* ]] || continue
		s=$((16#${range%-*})) e=$((16#${range#*-})) o=$((16#$off))
		if ((o <= va && va < o + e - s)); then
			dd if="/proc/$1/mem" bs=1 count=1 skip=$((s + va - o)) iflag=skip_bytes \
				2>/dev/null | od -An -tx1 | tr -d ' \n'
			return
		fi
	done <"/proc/$1/maps"
}

# --- --all: every process using the system's libc, but never perfan-bpf itself (issue 12,
# item 5: it was 73% of its own report); a workload started after attach is exact
sleep 60 &
bystander=$!
bg_pids+=("$bystander")
timeout 60 "$PB" leak --all -v --duration 4 --format json --no-output >"$T/all.json" \
	2>"$T/all.err" &
all_pb=$!
bg_pids+=("$all_pb")
wait_for "$T/all.err" "tracing every process" || no "--all: the session did not start"
all_me=$(cat "/proc/$all_pb/task/$all_pb/children" 2>/dev/null | tr -d ' ')
# its own copy of libc holds no breakpoint: its mallocs do not trap (they were 17x slower)
check "--all: malloc probed in a process started before" cc "$(malloc_byte "$bystander")"
check "--all: not in perfan-bpf's own copy" "$(od -An -tx1 -j $((16#$MALLOC_VA)) -N1 "$LIBC" | tr -d ' ')" \
	"$(malloc_byte "$all_me")"
if grep -qE "^perfan-bpf: (9|[1-9][0-9]+) probe\(s\) taken out of our own copy$" "$T/all.err"; then
	ok "--all -v: says how many probes were taken out of its own copy"
else
	no "--all -v: no 'probe(s) taken out' line: $(grep -v libbpf "$T/all.err" | head -3)"
fi
"$WL" >/dev/null 2>&1 &
all_wl=$!
wait "$all_wl"
wait "$all_pb"
check "--all: exit status" 0 $?
check "--all: no stack of perfan-bpf itself" 0 \
	"$(jq --argjson me "${all_me:-0}" '[.stacks[] | select(.pid == $me)] | length' "$T/all.json")"
# (what bash allocated in it between fork and exec went with the exec)
check "--all: the workload's leak, exactly" "22796 25" \
	"$(jq -r --argjson p "$all_wl" '[.stacks[] | select(.pid == $p)]
	  | "\(map(.live_bytes) | add) \(map(.live_objects) | add)"' "$T/all.json")"

# --- a workload that frees everything: zero live
timeout 60 "$PB" leak --format json -- "$WL" -c >"$T/churn.json" 2>"$T/churn.err"
check "churn only: exit status" 0 $?
check "churn only: zero live bytes and objects" "0 0" \
	"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/churn.json")"
check "churn only: every allocation seen" "48000 48000" \
	"$(jq -r '"\(.totals.alloc_objects) \(.totals.freed_objects)"' "$T/churn.json")"

# --- arguments pass through untouched; a long path with spaces
long="$T/$(printf 'd%.0s' {1..120}) with spaces/$(printf 'e%.0s' {1..120})"
mkdir -p "$long" && cp "$WL" "$long/leaky copy"
timeout 60 "$PB" leak --format json -- "$long/leaky copy" -c --pid 1 >"$T/args.json" 2>"$T/args.err"
check "long path and pass-through args: exit status" 0 $?
check "long path and pass-through args: the command saw -c (churn only)" "0 48000" \
	"$(jq -r '"\(.totals.live_bytes) \(.totals.alloc_objects)"' "$T/args.json")"
check "long path: module path kept whole" "$long/leaky copy" \
	"$(jq -r '.stacks[0].frames[0].module' "$T/args.json")"

# --- attach mode: memory allocated before attach and freed after it is not negative
attach_run() { # label, then how to stop: duration|exit|TERM|INT
	local label=$1 how=$2 hold=2 extra=()
	[[ $how == exit ]] || hold=30
	[[ $how == duration ]] && extra=(--duration 4)
	"$WL" -w -p -h $hold >"$T/$label.wl" 2>&1 &
	local wpid=$!
	bg_pids+=("$wpid")
	wait_for "$T/$label.wl" READY
	timeout 60 "$PB" --pid "$wpid" --format json "${extra[@]}" >"$T/$label.json" 2>"$T/$label.err" &
	local ppid=$!
	wait_for "$T/$label.err" "tracing pid" || no "$label: perfan-bpf never said it was tracing"
	kill -USR1 "$wpid"
	wait_for "$T/$label.wl" LEAKED
	case $how in
	TERM | INT) sleep 0.5; kill -"$how" "$ppid" ;;
	esac
	wait "$ppid"
	check "$label: exit status" 0 $?
	kill "$wpid" 2>/dev/null
	check "$label: one JSON document" 1 "$(jq -s length "$T/$label.json" 2>/dev/null)"
	check_leaks "$T/$label.json" "$label"
	check "$label: frees of blocks allocated before attach are counted, not negative" \
		"50 0" "$(jq -r '"\(.lost.unmatched_frees) \([.stacks[] | select(.live_bytes < 0 or .live_bytes > 1e15)] | length)"' "$T/$label.json")"
}
attach_run attach-duration duration
attach_run attach-target-exits exit
attach_run attach-sigterm TERM
attach_run attach-sigint INT

# --- text mode: periodic reports while running, then the final one
"$WL" -w -h 30 >"$T/text.wl" 2>&1 &
wpid=$!
bg_pids+=("$wpid")
wait_for "$T/text.wl" READY
timeout 60 "$PB" --pid "$wpid" --interval 1 --duration 3.5 --top 3 >"$T/text.out" 2>"$T/text.err" &
ppid=$!
wait_for "$T/text.err" "tracing pid"
kill -USR1 "$wpid"
wait "$ppid"
check "text: exit status" 0 $?
check "text: periodic reports then a final one" "3 1" \
	"$(grep -c '^Report for pid' "$T/text.out") $(grep -c '^Final report for pid' "$T/text.out")"
check "text: --top 3 prints 3 stacks in the final report" 3 \
	"$(sed -n '/^Final report/,$p' "$T/text.out" | grep -c '^#[0-9]')"
check "text: the top stack is leak_malloc's 7000 B in 7 objects" 1 \
	"$(sed -n '/^Final report/,$p' "$T/text.out" | grep -A1 '^#1 .*(7000 B) in 7 objects' | grep -c ' leak_malloc (.*leaky.c:[0-9]*)')"
check "text: says how many more stacks hold memory (8 live stacks, 3 shown)" 1 \
	"$(sed -n '/^Final report/,$p' "$T/text.out" | grep -c '^(5 more stacks with live memory')"
kill "$wpid" 2>/dev/null
check "text to a file: plain appended reports, no terminal control codes" 0 \
	"$(grep -c $'\033' "$T/text.out")"

# --- on a terminal (a pty from script(1)) the view redraws in place, then the final report
script -qec "$PB leak --duration 2.5 --no-output -- $WL -h 2" /dev/null >"$T/tty.out" 2>&1
check "terminal: exit status" 0 $?
check "terminal: redrawn in place at least once before the end" true \
	"$( (($(grep -o $'\033\\[H\033\\[2J' "$T/tty.out" | wc -l) >= 1)) && echo true || echo false)"
check "terminal: the view names the top stack with its callers" 1 \
	"$(grep -c '^   1     6.8 KiB         7  leak_malloc (leaky.c:[0-9]*) ← main' "$T/tty.out" | sed 's/^[2-9]$/1/')"
check "terminal: the final report follows the last view" 1 "$(grep -c '^Final report for pid' "$T/tty.out")"

# --- errors the user can cause: one line on stderr, exit 2
err_case() { # description, command...
	local what=$1
	shift
	timeout 20 "$@" >"$T/err.out" 2>"$T/err.err"
	local rc=$?
	if [[ $rc == 2 && $(wc -l <"$T/err.err") == 1 && $(head -c 11 "$T/err.err") == "perfan-bpf:" ]]; then
		ok "$what: exit 2, one line: $(cat "$T/err.err")"
	else
		no "$what: exit $rc, stderr: $(head -c 300 "$T/err.err")"
	fi
}
err_case "no such pid" "$PB" --pid 999999 --duration 1
err_case "pid not a number" "$PB" --pid abc
err_case "nothing to trace" "$PB" leak --duration 1
err_case "both --pid and a command" "$PB" leak --pid 1 -- /bin/true
err_case "unknown option" "$PB" --no-such-option
err_case "bad --format" "$PB" --pid 1 --format xml
err_case "bad --interval" "$PB" --pid 1 --interval 0
err_case "command that does not exist" "$PB" leak -- /nonexistent/program
err_case "unknown subcommand" "$PB" frobnicate
"$NOALLOC" >"$T/noalloc.out" &
napid=$!
bg_pids+=("$napid")
wait_for "$T/noalloc.out" READY
err_case "process without an allocator" "$PB" --pid "$napid" --duration 1
kill "$napid" 2>/dev/null
err_case "not root" setpriv --reuid=65534 --regid=65534 --clear-groups "$PB" --pid $$ --duration 1
# A kernel without BTF or uprobes, as perfan-bpf sees it: hide the sysfs entries in a private
# mount namespace.
err_case "kernel without BTF" unshare -m sh -c \
	'mount -t tmpfs none /sys/kernel/btf && exec "$0" --pid $$ --duration 1' "$PB"
err_case "kernel without uprobes" unshare -m sh -c \
	'mount -t tmpfs none /sys/bus/event_source/devices && exec "$0" --pid $$ --duration 1' "$PB"

# A launched command gets the signals the session blocks for itself back (issue 12, item 7):
# its mask is what it would be without perfan-bpf, and SIGTERM to the session ends both.
"$PB" leak --no-output -- sleep 30 >/dev/null 2>"$T/sig.err" &
sig_pb=$!
bg_pids+=("$sig_pb")
wait_for "$T/sig.err" "tracing pid" || no "launched command: no session started"
sig_child=$(sed -n 's/.*tracing pid \([0-9]*\).*/\1/p' "$T/sig.err")
sleep 30 &
direct=$!
bg_pids+=("$direct")
sleep 0.3
check "launched command: the signal mask it would have without perfan-bpf" \
	"$(grep SigBlk "/proc/$direct/status")" "$(grep SigBlk "/proc/${sig_child:-0}/status")"
kill "$direct"
kill -TERM "$sig_pb"
for _ in $(seq 50); do kill -0 "$sig_pb" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM to the session ends the launched command too" "gone gone" \
	"$(kill -0 "$sig_pb" 2>/dev/null && echo alive || echo gone) $(kill -0 "${sig_child:-0}" 2>/dev/null && echo alive || echo gone)"

# --- memory perfan-bpf does not see (issue 12, item 7): a process that maps and writes 64 MiB
# of anonymous memory without malloc, then leaks 5 blocks of 1000 B through malloc. The report
# says how much of its growth the live heap does not explain, in JSON and in text
cat >"$T/mmap64.py" <<'PY'
import ctypes, mmap, os, sys, time
go = sys.argv[1]
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
kept = []
print("ready", flush=True)
for _ in range(2):  # each time the GO file appears: 64 MiB mapped and written, 5 x 1000 B
    while not os.path.exists(go):
        time.sleep(0.01)
    os.unlink(go)
    m = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for off in range(0, 64 << 20, 4096):
        m[off] = 120
    kept += [m] + [libc.malloc(1000) for _ in range(5)]
    print("mapped", flush=True)
time.sleep(30)
PY
python3 "$T/mmap64.py" "$T/mmap.go" >"$T/mmap.out" 2>&1 &
mm_pid=$!
bg_pids+=("$mm_pid")
wait_for "$T/mmap.out" ready
for fmt in json text; do
	: >"$T/mm.err"
	timeout 60 "$PB" leak --pid "$mm_pid" --format "$fmt" --no-output >"$T/mm.$fmt" \
		2>"$T/mm.err" &
	mm_pb=$!
	wait_for "$T/mm.err" "tracing pid $mm_pid"
	touch "$T/mmap.go"
	wait_for "$T/mmap.out" mapped
	sed -i '/mapped/d' "$T/mmap.out"
	sleep 0.3 # a tick: the session's last look at it
	kill -INT "$mm_pb"
	wait "$mm_pb"
done
check "untracked: the process's live heap is its 5 blocks at least" yes \
	"$(jq -r --argjson p "$mm_pid" '.processes[] | select(.pid == $p) | if .live_bytes >= 5000 and .live_objects >= 5 then "yes" else "\(.live_bytes) \(.live_objects)" end' "$T/mm.json")"
check "untracked: 64 MiB of growth the live heap does not explain (JSON, within 62-70 MiB)" yes \
	"$(jq -r --argjson p "$mm_pid" '.processes[] | select(.pid == $p) | if .untracked_growth_bytes >= 62*1048576 and .untracked_growth_bytes <= 70*1048576 then "yes" else .untracked_growth_bytes end' "$T/mm.json")"
check "untracked: the text report says so and what to run" 1 \
	"$(grep -c "^Note: pid $mm_pid's anonymous memory grew .* more than the live heap seen .*perfan-bpf growth --pid $mm_pid" "$T/mm.text")"
kill "$mm_pid" 2>/dev/null

# --- what other processes pay: a session by pid learns of new code from the traced process's
# dynamic linker (a uprobe on _dl_debug_state), not from the sys_enter tracepoint every system
# call of the host would pass; --all has that tracepoint (docs/leak.md, "New code")
sys_enter_links() { bpftool link list 2>/dev/null | grep -c "tp 'sys_enter'"; }
sleep 60 &
idle=$!
bg_pids+=("$idle")
for mode in pid all; do
	what=(--pid "$idle")
	[[ $mode == all ]] && what=(--all)
	before=$(sys_enter_links)
	: >"$T/bys.err"
	timeout 60 "$PB" leak "${what[@]}" --no-output --format json >/dev/null 2>"$T/bys.err" &
	pb=$!
	wait_for "$T/bys.err" "tracing"
	during=$(sys_enter_links)
	kill -INT "$pb"
	wait "$pb"
	want=0
	[[ $mode == all ]] && want=1
	check "bystanders, --$mode: sys_enter links the session added" "$want" "$((during - before))"
done
check "bystanders, --pid: the dynamic linker's _dl_debug_state is probed" 1 \
	"$(timeout 60 "$PB" leak --pid "$idle" --verbose --duration 0.5 --no-output --format json 2>&1 >/dev/null |
		grep -c "^perfan-bpf: _dl_debug_state at /.*ld-linux-x86-64\.so\.2+")"
kill "$idle" 2>/dev/null

finish
