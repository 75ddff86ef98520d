#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of stacks through code built without frame pointers: the real perfan-bpf
# with real BPF against tests/workloads/unwind.cc, built -fomit-frame-pointer and allocating
# through libstdc++'s operator new and glibc's strdup (Debian builds both without frame
# pointers). Every frame of every chain is checked by name and file:line, the lines taken from
# the source. Needs root; never skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WL=$PWD/.output/workloads/unwind
SRC=$PWD/tests/workloads/unwind.cc
. tests/integration/lib.sh unwind

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$WL"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done

# the line of the source holding a text (exactly one)
line_of() {
	local n
	n=$(grep -nF -- "$1" "$SRC" | cut -d: -f1)
	[[ $n =~ ^[0-9]+$ ]] || { echo "no single line holds '$1'" >&2; echo 0; return; }
	echo "$n"
}
L_NEW=$(line_of 'kept[nkept++] = new char[100];')
L_DUP=$(line_of 'kept[nkept++] = strdup(')
L_INNER=$(line_of 'void *p = malloc(777);')
L_MIDDLE=$(line_of 'void *p = inner();')
L_OUTER=$(line_of 'kept[nkept++] = middle();')
L_CH_NEW=$(line_of 'char *a = new char[64];')
L_CH_DUP=$(line_of 'char *b = strdup("freed");')
L_M_NEW=$(line_of '	leak_new();')
L_M_DUP=$(line_of '	leak_strdup();')
L_M_OUTER=$(line_of '	outer();')
L_M_CHURN=$(line_of '	churn();')

# The chain of the one stack whose frame number IDX is FRAME, callee first, each frame as
# "function@file:line" (the file's base name; no file or line when there is none), after its
# live bytes, live objects, allocated objects and truncated flag
chain() { # json idx frame
	jq -r --argjson i "$2" --arg f "$3" '
	  def fr: "\(.function)@\((.file // "") | split("/") | last // "")" +
	          (if .line then ":\(.line)" else "" end);
	  [.stacks[] | select((.frames[$i] | fr) == $f or .frames[$i].function == $f)]
	  | if length != 1 then "\(length) stacks" else .[0] |
	    "\(.live_bytes) \(.live_objects) \(.alloc_objects) \(.truncated) " +
	    ([.frames[] | fr] | join(" "))
	  end' "$1" 2>/dev/null
}
START="__libc_start_call_main@libc_start_call_main.h:58 __libc_start_main_impl@libc-start.c:360 _start@"

# The workload's three leaks and churn's new[], every frame of each checked (json, label)
whole_chains() {
	check "${2}operator new from a frameless caller: every frame, to _start" \
		"600 6 6 false operator new(unsigned long)@ leak_new()@unwind.cc:$L_NEW main@unwind.cc:$L_M_NEW $START" \
		"$(chain "$1" 1 "leak_new()")"
	check "${2}strdup inside glibc: every frame, to _start" \
		"128 4 4 false __GI___strdup@strdup.c:42 leak_strdup()@unwind.cc:$L_DUP main@unwind.cc:$L_M_DUP $START" \
		"$(chain "$1" 1 "leak_strdup()")"
	check "${2}three frameless callers deep: every frame, to _start" \
		"777 1 1 false inner()@unwind.cc:$L_INNER middle()@unwind.cc:$L_MIDDLE outer()@unwind.cc:$L_OUTER main@unwind.cc:$L_M_OUTER $START" \
		"$(chain "$1" 0 "inner()")"
	# churn's blocks are told apart from the leaks: their own stacks, all freed
	check "${2}churn's new[] stack: 500 allocated, none live" \
		"0 0 500 false operator new(unsigned long)@ churn()@unwind.cc:$L_CH_NEW main@unwind.cc:$L_M_CHURN $START" \
		"$(chain "$1" 1 "churn()@unwind.cc:$L_CH_NEW")"
}

"$PB" leak --format json --no-output -- "$WL" >"$T/auto.json" 2>"$T/auto.err"
check "default (--unwind auto): exit 0" 0 $?
whole_chains "$T/auto.json" ""
check "churn's strdup stack: 500 allocated, none live" \
	"0 0 500 false __GI___strdup@strdup.c:42 churn()@unwind.cc:$L_CH_DUP main@unwind.cc:$L_M_CHURN $START" \
	"$(chain "$T/auto.json" 1 "churn()@unwind.cc:$L_CH_DUP")"
check "no stack truncated" 0 "$(jq -r '.truncated_stacks' "$T/auto.json")"

# the same program run from an overlay file system, as in a container: its mapping holds the
# lower file system's file while /proc/PID/maps names the overlay's (bpf/unwind.bpf.h,
# user_file); the walk found no rows for it and every stack stopped at its first frame
mkdir -p "$T/ov/lower" "$T/ov/upper" "$T/ov/work" "$T/ov/merged"
cp "$WL" "$T/ov/lower/unwind"
if mount -t overlay overlay -o "lowerdir=$T/ov/lower,upperdir=$T/ov/upper,workdir=$T/ov/work" \
	"$T/ov/merged" 2>"$T/ov.err"; then
	mounts+=("$T/ov/merged")
	"$PB" leak --format json --no-output -- "$T/ov/merged/unwind" >"$T/ov.json" 2>"$T/ov.err"
	check "overlayfs: exit 0" 0 $?
	whole_chains "$T/ov.json" "overlayfs: "
	check "overlayfs: no stack truncated" 0 "$(jq -r '.truncated_stacks' "$T/ov.json")"
	umount "$T/ov/merged"
else
	no "overlayfs: cannot mount one to run the program from: $(cat "$T/ov.err")"
fi

# --unwind fp: the frame-pointer chain alone loses every caller here (what the default fixes)
"$PB" leak --unwind fp --format json --no-output -- "$WL" >"$T/fp.json" 2>"$T/fp.err"
check "--unwind fp: exit 0" 0 $?
check "--unwind fp: operator new's callers are lost, and churn's news merge with the leak" \
	"600 6 506 true operator new(unsigned long)@" \
	"$(chain "$T/fp.json" 0 "operator new(unsigned long)")"
check "--unwind fp: the live bytes are the same" \
	"$(jq -r '.totals.live_bytes' "$T/auto.json")" "$(jq -r '.totals.live_bytes' "$T/fp.json")"

# rows that do not fit are said, and the walk falls back to frame pointers for those files
"$PB" leak --max-unwind-rows 1024 --format json --no-output -- "$WL" >"$T/small.json" 2>"$T/small.err"
check "--max-unwind-rows 1024: exit 0" 0 $?
if grep -q "no room for the unwind rows of .*/libc.so.6: .*raise --max-unwind-rows, now 1024" "$T/small.err" &&
	grep -q "no room for the unwind rows of .*/libstdc++.so.6.*: .*raise --max-unwind-rows, now 1024" "$T/small.err"; then
	ok "--max-unwind-rows 1024: glibc's and libstdc++'s rows did not fit, and stderr names each"
else
	no "--max-unwind-rows 1024: no 'no room' line for libc: $(cat "$T/small.err")"
fi
check "--max-unwind-rows 1024: the program's own rows fit: inner -> middle -> outer -> main" \
	"777 1 1 false inner()@unwind.cc:$L_INNER middle()@unwind.cc:$L_MIDDLE outer()@unwind.cc:$L_OUTER main@unwind.cc:$L_M_OUTER" \
	"$(chain "$T/small.json" 0 "inner()" | sed 's/ __libc_start_call_main.*//')"

# --all, the workload started after attach (issue 12, item 5): its files (the program, libstdc++)
# get rows when it first execs and maps them, once for every process that maps them, so the
# stacks of a later run are whole with exact file:line. (The first run's first allocations race
# the loading of the rows, which takes ~0.3 ms but more on a busy host: docs/leak.md; exec.sh
# checks that a call site walked both ways ends as one stack.)
"$PB" leak --all --duration 6 --format json --no-output >"$T/all.json" 2>"$T/all.err" &
all_pb=$!
bg_pids+=("$all_pb")
if wait_for "$T/all.err" "tracing every process"; then
	"$WL" >/dev/null 2>&1
	sleep 1
	"$WL" >/dev/null 2>&1 &
	all_wl=$!
	wait "$all_wl"
	wait "$all_pb"
	check "--all: exit 0" 0 $?
	jq --argjson p "$all_wl" '.stacks |= map(select(.pid == $p))' "$T/all.json" >"$T/all-wl.json"
	whole_chains "$T/all-wl.json" "--all: "
	check "--all: the workload's stacks: none truncated" 0 \
		"$(jq '[.stacks[] | select(.truncated and .live_bytes > 0)] | length' "$T/all-wl.json")"
else
	no "--all: the session did not start: $(cat "$T/all.err")"
fi

# what --verbose says, and the user errors
"$PB" leak -v --format json --no-output -- "$WL" >/dev/null 2>"$T/v.err"
if grep -qE "^perfan-bpf: unwind rows of [3-9] file\(s\), [0-9]+ rows$" "$T/v.err"; then
	ok "--verbose: the files given unwind rows (the program, libc, libstdc++ at least)"
else
	no "--verbose: no 'unwind rows of N file(s)' line with N >= 3: $(grep unwind "$T/v.err")"
fi
for bad in "--unwind dwarf" "--max-unwind-rows 5" "--max-unwind-rows lots"; do
	# shellcheck disable=SC2086
	"$PB" leak $bad --no-output -- "$WL" >/dev/null 2>"$T/e.err"
	rc=$?
	if [[ $rc == 2 && $(wc -l <"$T/e.err") == 1 ]]; then
		ok "$bad: exit 2, one line: $(cat "$T/e.err")"
	else
		no "$bad: exit $rc, stderr: $(cat "$T/e.err")"
	fi
done
finish
