#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of new code in a traced process (issue 12, items 2 and 4): a program that
# leaks and then execs another (directly and through a shell wrapper) keeps only the new image's
# blocks live, and the report says which pid exec'd what; a plugin built without frame pointers,
# dlopen'ed and allocating at once, gets whole stacks from its first allocation, one stack for
# its one call site. The real perfan-bpf with real BPF; needs root; never skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WLD=$PWD/.output/workloads
LEAKY=$WLD/leaky
THEN=$WLD/exec_then
NOW=$WLD/dlopen_now
PLUGIN=$WLD/libnow_plugin.so
SRC=$PWD/tests/workloads/lib/now_plugin.c
MSRC=$PWD/tests/workloads/dlopen_now.c
EXEC_BEFORE=$(grep -n "/\* @EXEC_BEFORE \*/" tests/workloads/exec_then.c | cut -d: -f1)
. tests/integration/lib.sh exec

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$LEAKY" "$THEN" "$NOW" "$PLUGIN" "$WLD/alloc_leaks_static" "$WLD/alloc_leaks_jemalloc" \
	"$WLD/leaky_musl"; do
	[[ -e $f ]] || { no "missing $f: run make first"; finish; }
done

LEAKS=$LEAKY_LEAKS # lib.sh: the exact leaks of leaky.c, and live_of
check_exec() { # json text-report label [named]
	while read -r fn bytes objs; do
		check "$3: $fn live" "$bytes $objs" "$(live_of "$1" "$fn")"
	done <<<"$LEAKS"
	check "$3: totals are leaky's alone" "22796 25" \
		"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$1")"
	# the first image's 1000 x malloc(1000): allocated, none live, its stack named with the
	# mappings it had (its frames are named at the exec, before the new image's are read)
	check "$3: the image before the exec: 1000000 B allocated, 0 live" "1 0 0" \
		"$(jq -r '[.stacks[] | select(.alloc_bytes == 1000000 and .alloc_objects == 1000)]
		  | "\(length) \(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0)"' "$1")"
	[[ ${4:-} == named ]] || { check "$3: nothing lost" 0 "$(jq '[.lost[]] | add' "$1")"; return; }
	check "$3: the image before the exec: its stack named, whole" \
		"leak_before_exec@exec_then.c:$EXEC_BEFORE>main@exec_then.c false" \
		"$(jq -r '.stacks[] | select(.alloc_bytes == 1000000 and .alloc_objects == 1000)
		  | "\(.frames[0].function)@\(.frames[0].file | split("/") | last):\(.frames[0].line)>\(.frames[1].function)@\(.frames[1].file | split("/") | last) \(.truncated)"' "$1")"
	check "$3: no stack truncated" 0 "$(jq '.truncated_stacks' "$1")"
	check "$3: nothing lost" 0 "$(jq '[.lost[]] | add' "$1")"
}

# --- leak 1,000,000 B, then exec leaky (22796 B in 25 objects): only leaky's blocks are live
timeout 60 "$PB" leak --format json --no-output -- "$THEN" "$LEAKY" >"$T/exec.json" 2>"$T/exec.err"
check "exec: exit status" 0 $?
check_exec "$T/exec.json" "" exec named
check "exec: stderr says one exec dropped the blocks before it" 1 \
	"$(grep -c "^perfan-bpf: 1 exec: the live blocks of the program before each were dropped" "$T/exec.err")"
check "exec, JSON: code.execs names the exec, traced through libc" "1 1 $LEAKY leaky true libc.so.6" \
	"$(jq -r '.code | "\(.execs_total) \(.execs | length) \(.execs[0].path) \(.execs[0].comm) \(.execs[0].traced) \(.execs[0].allocator | split("/") | last)"' "$T/exec.json")"
# the same with the code thread held back 150 ms at each library mapped (a busy host: the tick's
# wait for it, 100 ms, runs out): the session meets the exec before its event is handled, and the
# old image's stack must wait for it, not be named with the new image's mappings
PERFAN_TEST_ROWS_DELAY_MS=150 timeout 60 "$PB" leak --format json --no-output -- "$THEN" "$LEAKY" \
	>"$T/exec-late.json" 2>"$T/exec-late.err"
check "exec, its event handled late: exit status" 0 $?
check_exec "$T/exec-late.json" "" "exec, its event handled late" named
timeout 60 "$PB" leak --no-output -- "$THEN" "$LEAKY" >"$T/exec.txt" 2>"$T/exec-text.err"
check "exec, text: exit status" 0 $?
pid=$(sed -n 's/^perfan-bpf: tracing pid \([0-9]*\) .*/\1/p' "$T/exec-text.err")
check "exec, text: the report says which pid exec'd what, and what traces it since" 1 \
	"$(grep -cE "^  \+[0-9]+\.[0-9]{3} s  pid $pid exec'd $LEAKY \(leaky\), traced through /.*libc\.so\.6$" "$T/exec.txt")"
check "exec, text: the live total is leaky's" 1 \
	"$(grep -c '^  live: .*(22796 B) in 25 objects' "$T/exec.txt")"

# --- the same through a shell wrapper: sh execs exec_then, which execs leaky; what sh and
# exec_then allocated went with their images
timeout 60 "$PB" leak --format json --no-output -- sh -c 'exec "$0" "$1"' "$THEN" "$LEAKY" \
	>"$T/wrap.json" 2>"$T/wrap.err"
check "wrapper: exit status" 0 $?
# (exec_then's stack is named only when the session read its mappings before it exec'd again,
# within a millisecond here: a race, not asserted; sh's are named, and leaky's)
check_exec "$T/wrap.json" "" wrapper
check "wrapper: stderr says two execs" 1 \
	"$(grep -c "^perfan-bpf: 2 execs: the live blocks of the program before each were dropped" "$T/wrap.err")"
check "wrapper, JSON: code.execs lists both, in order" "2 $THEN $LEAKY" \
	"$(jq -r '.code | "\(.execs_total) \([.execs[].path] | join(" "))"' "$T/wrap.json")"

# --- exec into a program with another allocator: tests/workloads/alloc's static build (its
# malloc inside the executable, no libc.so) and its jemalloc build, each told "wait" (a second
# before it allocates, so that the session following the exec attaches first). 0 B of the
# first image live; the new image's leaks exact (allocators.sh's figures: the static build's C
# and C++ leaks, 10787 B in 32 objects; jemalloc's add mallocx's and rallocx's, 13087 B in 35)
ALLOCS=$WLD/alloc_leaks
for vw in "static 10787 32 $ALLOCS""_static" "jemalloc 13087 35 libjemalloc.so.2"; do
	read -r v bytes objs via <<<"$vw"
	timeout 60 "$PB" leak --format json --no-output -- "$THEN" "$ALLOCS""_$v" wait \
		>"$T/x$v.json" 2>"$T/x$v.err"
	check "exec into $v: exit status" 0 $?
	check "exec into $v: stderr says tracing goes on through its allocator, and since when" 1 \
		"$(grep -cE "^perfan-bpf: pid [0-9]+ exec'd $ALLOCS""_$v: tracing on through [^ ]*$via, attached [0-9.]+ ms after the exec" "$T/x$v.err")"
	check "exec into $v: live through main are the new image's leaks, exactly" "$bytes $objs" \
		"$(jq -r '[.stacks[] | select(any(.frames[]; .function == "main"))]
		  | "\(map(.live_bytes) | add) \(map(.live_objects) | add)"' "$T/x$v.json")"
	# before main, libstdc++'s constructor takes its exception emergency pool (72704 B, one
	# block, never freed): seen when the probes attach before the loader runs it, which a busy
	# host decides. Nothing else may be live.
	check "exec into $v: live before main is nothing, or libstdc++'s pool alone" 1 \
		"$(jq -r '[.stacks[] | select(.live_bytes > 0 and all(.frames[]; .function != "main"))]
		  | "\(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0)"' "$T/x$v.json" |
			grep -cxE '0 0|72704 1')"
	check "exec into $v: live totals are the two above" 1 \
		"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/x$v.json" |
			grep -cxE "$bytes $objs|$((bytes + 72704)) $((objs + 1))")"
	check "exec into $v: the image before the exec: 1000000 B allocated, 0 live" "1 0" \
		"$(jq -r '[.stacks[] | select(.alloc_bytes == 1000000 and .alloc_objects == 1000)]
		  | "\(length) \(map(.live_bytes) | add // 0)"' "$T/x$v.json")"
done
# --- exec into a program of another libc: leaky built against musl (its libc.so is its
# dynamic linker too), told to sleep a second first: tracing goes on through musl's libc.so,
# leaky's leaks exact, nothing of the first image live
timeout 60 "$PB" leak --format json --no-output -- "$THEN" "$WLD/leaky_musl" -s 1 \
	>"$T/xmusl.json" 2>"$T/xmusl.err"
check "exec into musl: exit status" 0 $?
check "exec into musl: stderr says tracing goes on through musl's libc.so" 1 \
	"$(grep -cE "^perfan-bpf: pid [0-9]+ exec'd $WLD/leaky_musl: tracing on through /[^ ]*musl[^ ]*/libc\.so, attached [0-9.]+ ms after the exec" "$T/xmusl.err")"
check_exec "$T/xmusl.json" "" "exec into musl" named
check "exec into musl, JSON: code.execs says it is traced through musl's libc.so" "true libc.so" \
	"$(jq -r '.code.execs[0] | "\(.traced) \(.allocator | split("/") | last)"' "$T/xmusl.json")"

# the same without the wait: the new image may allocate and exit before the session has
# looked at it; whichever comes first, stderr says so (never a silent, partial count)
timeout 60 "$PB" leak --format json --no-output -- "$THEN" "$ALLOCS""_static" >"$T/xfast.json" \
	2>"$T/xfast.err"
check "exec into a short-lived static program: exit status" 0 $?
check "exec into a short-lived static program: stderr says it was not traced, or from when" 1 \
	"$(grep -cE "(exited before its allocator could be looked at|attached [0-9.]+ ms after the exec \(what it allocated before is not seen\))" "$T/xfast.err")"

# --- dlopen of a plugin built -O2 -fomit-frame-pointer that allocates at once: 1000 x
# malloc(48) from one call site, then 1000 more 0.3 s later. The first thousand race the
# loading of the plugin's rows (~0.3 ms; longer on a busy host): walked before, they are
# folded into the stack the later ones are walked whole to, so one call site is one stack,
# whole to main, in every run (the race's outcome is counted, not asserted: docs/leak.md).
line_of() { grep -nF -- "$2" "$1" | cut -d: -f1; }
plugin_stack() { # json: the stacks through the plugin, one line: its counts and frames
	jq -r 'def fr: "\(.function)@\((.file // "") | split("/") | last // "")" +
	                (if .line then ":\(.line)" else "" end);
	  [.stacks[] | select(.frames | any(.module // "" | endswith("libnow_plugin.so")))]
	  | if length != 1 then "\(length) stacks" else .[0] |
	    "\(.live_bytes) \(.live_objects) \(.alloc_objects) \(.truncated) " +
	    ([.frames[] | fr] | join(" ")) end' "$1"
}
WANT="96000 2000 2000 false now_inner@now_plugin.c:$(line_of $SRC 'void *p = malloc(48);') now_outer@now_plugin.c:$(line_of $SRC '@NOW_OUTER') plugin_run@now_plugin.c:$(line_of $SRC '@NOW_RUN') main@dlopen_now.c:$(line_of $MSRC '@NOW_MAIN') __libc_start_call_main@libc_start_call_main.h:58 __libc_start_main_impl@libc-start.c:360 _start@"
for run in 1 2 3 4 5; do
	timeout 60 "$PB" leak --format json --no-output -- "$NOW" -n 2 -s 300 "$PLUGIN" >"$T/dl.json" \
		2>"$T/dl.err"
	check "dlopen run $run: exit status" 0 $?
	check "dlopen run $run: one stack for the plugin's call site, whole, every allocation in it" \
		"$WANT" \
		"$(plugin_stack "$T/dl.json")"
	check "dlopen run $run: no stack truncated" 0 "$(jq .truncated_stacks "$T/dl.json")"
	if grep -q "walked before" "$T/dl.err" &&
		! grep -qE "walked before their files' unwind rows were in: [0-9]+ walked again( \([0-9]+ of them to the stack they had\))?, [0-9]+ not( \(.*\))?; [0-9]+ stack\(s\) joined their whole stack, 0 left truncated \(0 objects\)$" "$T/dl.err"; then
		no "dlopen run $run: stacks walked early were left: $(grep 'walked before' "$T/dl.err")"
	fi
done

# --- the same plugin allocating only at once, the code thread held back 300 ms at each code
# event (a test knob): its first allocations are walked before the plugin's rows are in, each
# sent with a copy of its stack; the first makes the early walks' thread read the process's
# mappings and load the rows itself, and they are walked again in user space: one stack, whole
# to main, with all 1000 allocations, from the first one; nothing folded, nothing left
WANT1=${WANT/96000 2000 2000/48000 1000 1000}
for run in 1 2; do
	PERFAN_TEST_ROWS_DELAY_MS=300 timeout 60 "$PB" leak --format json --no-output -- "$NOW" -n 1 \
		"$PLUGIN" >"$T/dl1.json" 2>"$T/dl1.err"
	check "dlopen, rows late, run $run: exit status" 0 $?
	check "dlopen, rows late, run $run: one whole stack for the call site from the first allocation" \
		"$WANT1" \
		"$(plugin_stack "$T/dl1.json")"
	check "dlopen, rows late, run $run: early walks, every one walked again to its whole stack, none folded or left" \
		"true 0 0 0 0 0" \
		"$(jq -r '.code | "\(.early_walks > 0 and .rewalked == .early_walks) \(.rewalked_same) \(.not_rewalked) \(.folded_stacks) \(.left_stacks) \(.left_objects)"' "$T/dl1.json")"
	check "dlopen, rows late, run $run: no stack truncated" 0 "$(jq .truncated_stacks "$T/dl1.json")"
	check "dlopen, rows late, run $run: stderr says so" 1 \
		"$(grep -cE "^perfan-bpf: ([0-9]+) allocation\(s\) were walked before their files' unwind rows were in: \1 walked again, 0 not; " "$T/dl1.err")"
done

# --- exec into a container's root (overlayfs over the host's: the program's C library is the
# host's file under the overlay, so the probes fire in it), through chroot, which execs the
# program a millisecond after its own start: the program's leaks exactly, and the exec traced
# (it was said untraced when chroot's exec was read after the program had exited)
mkdir -p "$T/root/upper" "$T/root/work" "$T/root/merged"
if mount -t overlay overlay -o "lowerdir=/,upperdir=$T/root/upper,workdir=$T/root/work" \
	"$T/root/merged" 2>"$T/root.err"; then
	mounts+=("$T/root/merged")
	"$PB" leak --format json --no-output -- chroot "$T/root/merged" "$WLD/leaky" \
		>"$T/root.json" 2>"$T/root.err"
	check "container root: exit status" 0 $?
	check "container root: leaky's leaks exactly, chroot's dropped at the exec" "22796 25" \
		"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/root.json")"
	check "container root: the exec is traced" "true" "$(jq -r '.code.execs[0].traced' "$T/root.json")"
	if grep -q "its allocations after the exec are not traced" "$T/root.err"; then
		no "container root: stderr says untraced: $(grep 'not traced' "$T/root.err")"
	else
		ok "container root: stderr does not say its allocations are untraced"
	fi
	# --pid of a process chroot'ed there: its mappings are named from our root, where
	# /proc/PID/root + that path is nothing (it was refused: "no allocator to probe")
	chroot "$T/root/merged" "$WLD/leaky" -w -h 30 >"$T/chr.wl" 2>&1 &
	chr=$!
	bg_pids+=("$chr")
	if wait_for "$T/chr.wl" READY; then
		timeout 60 "$PB" leak --pid "$chr" --format json >"$T/chr.json" 2>"$T/chr.err" &
		chr_pb=$!
		bg_pids+=("$chr_pb")
		wait_for "$T/chr.err" "tracing pid" || no "chroot --pid: no 'tracing' line: $(cat "$T/chr.err")"
		kill -USR1 "$chr"
		wait_for "$T/chr.wl" LEAKED
		kill -INT "$chr_pb"
		wait "$chr_pb"
		check "chroot --pid: exit status" 0 $?
		while read -r fn bytes objs; do
			check "chroot --pid: $fn live, named" "$bytes $objs" "$(live_of "$T/chr.json" "$fn")"
		done <<<"$LEAKS"
		check "chroot --pid: no stack truncated" 0 "$(jq .truncated_stacks "$T/chr.json")"
	else
		no "chroot --pid: leaky never said READY: $(cat "$T/chr.wl")"
	fi
	kill "$chr" 2>/dev/null
	wait "$chr" 2>/dev/null
	umount "$T/root/merged"
else
	no "container root: cannot mount an overlay over /: $(cat "$T/root.err")"
fi
finish
