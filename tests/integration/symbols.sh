#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of symbolization: the real perfan-bpf with real BPF against
# tests/workloads/leaky_sym.c, whose leaking calls carry markers (@SYM_...) that give the exact
# lines the report must name: a direct call, a call inside an always_inline function (an
# inlined frame, then its caller at the call site), a library loaded with dlopen after attach,
# a target in its own mount namespace at a path that does not exist here, a stripped copy
# (module+offset and build-id, resolvable later with the unstripped file) and a copy built
# without frame pointers (truncated stacks). Needs root; never skips.
# Prints "ok"/"FAIL" per check and ends with "symbols: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
SRC=$PWD/tests/workloads/leaky_sym.c
PSRC=$PWD/tests/workloads/lib/sym_plugin.c
WL=$PWD/.output/workloads/leaky_sym
PLUGIN=$PWD/.output/workloads/libsym_plugin.so
. tests/integration/lib.sh symbols
line_of() { grep -n "$2" "$1" | grep -v '^[0-9]*: \*' | head -n1 | cut -d: -f1; }
# "function basename(file):line inlined" of frame $3 of the stack whose frame 0 is $2
frame_of() {
	jq -r --arg f "$2" --argjson i "$3" '[.stacks[] | select(.frames[0].function == $f)][0].frames[$i]
	  | "\(.function) \((.file // "-") | split("/") | last):\(.line) \(.inlined)"' "$1" 2>/dev/null
}
counts_of() {
	jq -r --arg f "$2" '[.stacks[] | select(.frames[0].function == $f)][0]
	  | "\(.live_bytes) \(.live_objects) truncated=\(.truncated)"' "$1" 2>/dev/null
}
build_id_of() { readelf -n "$1" | sed -n 's/.*Build ID: //p'; }

if [[ $EUID != 0 ]]; then
	no "symbols tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$WL" "$PLUGIN"; do
	[[ -e $f ]] || { no "missing $f: run make first"; finish; }
done
L_DIRECT=$(line_of "$SRC" '@SYM_DIRECT')
L_INLINE=$(line_of "$SRC" '@SYM_INLINE')
L_CALLSITE=$(line_of "$SRC" '@SYM_CALLSITE')
L_MAIN_DIRECT=$(line_of "$SRC" '@SYM_MAIN_DIRECT')
L_MAIN_INLINE=$(line_of "$SRC" '@SYM_MAIN_INLINE')
L_MAIN_PLUGIN=$(line_of "$SRC" '@SYM_MAIN_PLUGIN')
L_PLUGIN=$(line_of "$PSRC" '@SYM_PLUGIN')

# Attach to a waiting workload, let it leak and exit: the report is written after the target
# is gone, from what was symbolized while it lived. $1 label, then the command (which must
# exec the workload, so that its pid is the workload's)
attach_run() {
	local label=$1
	shift
	"$@" >"$T/$label.wl" 2>&1 &
	local target=$!
	bg_pids+=("$target")
	wait_for "$T/$label.wl" READY || no "$label: the workload never got ready"
	# shellcheck disable=SC2086 # PB_EXTRA: more options, word-split on purpose
	timeout 60 "$PB" --pid "$target" ${PB_EXTRA:-} --format json --no-output \
		>"$T/$label.json" 2>"$T/$label.err" &
	local ppid=$!
	wait_for "$T/$label.err" "tracing pid" || no "$label: perfan-bpf never said it was tracing: $(head -c 300 "$T/$label.err")"
	kill -USR1 "$target"
	wait_for "$T/$label.wl" LEAKED || no "$label: the workload never leaked: $(cat "$T/$label.wl")"
	wait "$ppid"
	check "$label: exit status" 0 $?
}

# --- attach, dlopen after attach, the target exits before the report
# -h 1: the library stays loaded until the next tick of the session (0.2 s) has seen its stack
attach_run dl "$WL" -w -d "$PLUGIN" -h 1
J=$T/dl.json
check "direct: live bytes and objects" "4444 4 truncated=false" "$(counts_of "$J" leak_direct)"
check "direct: frame 0 is the leaking line" "leak_direct leaky_sym.c:$L_DIRECT false" "$(frame_of "$J" leak_direct 0)"
check "direct: frame 1 is main's call" "main leaky_sym.c:$L_MAIN_DIRECT false" "$(frame_of "$J" leak_direct 1)"
check "direct: then the C library's start of main" "__libc_start_call_main" \
	"$(frame_of "$J" leak_direct 2 | cut -d' ' -f1)"
check "inline: live bytes and objects" "6666 3 truncated=false" "$(counts_of "$J" inl_alloc)"
check "inline: frame 0 is the always_inline function, marked inlined" \
	"inl_alloc leaky_sym.c:$L_INLINE true" "$(frame_of "$J" inl_alloc 0)"
check "inline: frame 1 is its caller at the call site" \
	"leak_via_inline leaky_sym.c:$L_CALLSITE false" "$(frame_of "$J" inl_alloc 1)"
check "inline: frame 2 is main's call" "main leaky_sym.c:$L_MAIN_INLINE false" "$(frame_of "$J" inl_alloc 2)"
check "inline: both frames of the chain have the captured address" 1 \
	"$(jq '[.stacks[] | select(.frames[0].function == "inl_alloc")][0] | [.frames[0].address, .frames[1].address] | unique | length' "$J")"
check "dlopen: the library's leak" "16665 5 truncated=false" "$(counts_of "$J" plugin_leak)"
check "dlopen: frame 0 in the library" "plugin_leak sym_plugin.c:$L_PLUGIN false" "$(frame_of "$J" plugin_leak 0)"
check "dlopen: module and build-id of the library" "$PLUGIN $(build_id_of "$PLUGIN")" \
	"$(jq -r '[.stacks[] | select(.frames[0].function == "plugin_leak")][0].frames[0] | "\(.module) \(.build_id)"' "$J")"
check "dlopen: frame 1 is main's call" "main leaky_sym.c:$L_MAIN_PLUGIN false" "$(frame_of "$J" plugin_leak 1)"
check "raw_function is the symbol (C: the same name)" "leak_direct" \
	"$(jq -r '[.stacks[] | select(.frames[0].function == "leak_direct")][0].frames[0].raw_function' "$J")"
check "truncated_stacks counts the truncated stacks" \
	"$(jq '[.stacks[] | select(.truncated)] | length' "$J")" "$(jq .truncated_stacks "$J")"

# --- the text report: function (file:line) and [inlined]
timeout 60 "$PB" leak --no-output -- "$WL" >"$T/text.out" 2>"$T/text.err"
check "text: exit status" 0 $?
check "text: the inlined frame" 1 \
	"$(grep -cE "^    #0  0x[0-9a-f]{16} inl_alloc \(.*leaky_sym.c:$L_INLINE\) \[inlined\]  $WL$" "$T/text.out")"
check "text: its caller at the call site" 1 \
	"$(grep -cE "^    #1  0x[0-9a-f]{16} leak_via_inline \(.*leaky_sym.c:$L_CALLSITE\)  $WL$" "$T/text.out")"

# --- a target in its own mount namespace, its binary at a path that does not exist here
NSDIR=/mnt/perfan-ns-$$
if [[ -e $NSDIR ]]; then no "mount namespace: $NSDIR exists on the host"; fi
cat >"$T/ns.sh" <<EOF
mount -t tmpfs perfan-ns /mnt && mkdir -p $NSDIR && cp '$WL' $NSDIR/app || exit 1
exec $NSDIR/app -w
EOF
attach_run ns unshare -m --propagation private bash "$T/ns.sh"
check "mount namespace: the binary's path does not exist on the host" no \
	"$([[ -e $NSDIR/app ]] && echo yes || echo no)"
J=$T/ns.json
check "mount namespace: module is the path inside the namespace" "$NSDIR/app" \
	"$(jq -r '[.stacks[] | select(.frames[0].function == "leak_direct")][0].frames[0].module' "$J")"
check "mount namespace: direct leak named with its line" "leak_direct leaky_sym.c:$L_DIRECT false" "$(frame_of "$J" leak_direct 0)"
check "mount namespace: inlined frame" "inl_alloc leaky_sym.c:$L_INLINE true" "$(frame_of "$J" inl_alloc 0)"
check "mount namespace: call site" "leak_via_inline leaky_sym.c:$L_CALLSITE false" "$(frame_of "$J" inl_alloc 1)"
check "mount namespace: build-id of the file inside" "$(build_id_of "$WL")" \
	"$(jq -r '[.stacks[] | select(.frames[0].function == "leak_direct")][0].frames[0].build_id' "$J")"

# --- a stripped copy: module+offset with the build-id, which the unstripped file resolves
mkdir -p "$T/stripped"
strip -s "$WL" -o "$T/stripped/app"
attach_run stripped "$T/stripped/app" -w
J=$T/stripped.json
# the stack of 4 x 1111 B: the only one with those counts
read -r s_fn s_mod s_off s_id <<<"$(jq -r '[.stacks[] | select(.live_bytes == 4444 and .live_objects == 4)][0].frames[0] | "\(.function) \(.module) \(.offset) \(.build_id)"' "$J")"
check "stripped: no name for a static function" "null $T/stripped/app" "$s_fn $s_mod"
check "stripped: build-id kept" "$(build_id_of "$WL")" "$s_id"
check "stripped: the module offset resolves later with the unstripped file" \
	"leak_direct leaky_sym.c:$L_DIRECT" \
	"$(addr2line -f -e "$WL" "$(printf '0x%x' $((s_off - 1)))" | paste -sd' ' | sed 's|/.*/||; s| (discriminator.*||')"
check "stripped: main is not exported either; the C library's frame is still named" \
	"null __libc_start_call_main" \
	"$(jq -r '[.stacks[] | select(.live_bytes == 4444)][0].frames | "\(.[1].function) \(.[2].function)"' "$J")"

# --- without frame pointers: whole stacks by the .eh_frame rows (the default); with
# --unwind fp they end early and are marked
cc -g -O2 -fomit-frame-pointer -o "$T/nofp" "$SRC" -ldl
attach_run nofp "$T/nofp" -w
J=$T/nofp.json
check "no frame pointers: the direct leak's stack is whole" "4444 4 truncated=false" "$(counts_of "$J" leak_direct)"
check "no frame pointers: frame 1 is main's call" "main leaky_sym.c:$L_MAIN_DIRECT false" \
	"$(frame_of "$J" leak_direct 1)"
check "no frame pointers: then the C library's start of main" "__libc_start_call_main" \
	"$(frame_of "$J" leak_direct 2 | cut -d' ' -f1)"
check "no frame pointers: no stack truncated" 0 "$(jq '.truncated_stacks' "$J")"
PB_EXTRA="--unwind fp" attach_run nofp-fp "$T/nofp" -w
J=$T/nofp-fp.json
check "--unwind fp, no frame pointers: the direct leak's stack is truncated" "4444 4 truncated=true" "$(counts_of "$J" leak_direct)"
check "--unwind fp, no frame pointers: truncated_stacks >= 2" true "$(jq '.truncated_stacks >= 2' "$J")"
"$PB" leak --unwind fp --no-output -- "$T/nofp" >"$T/nofp.txt" 2>/dev/null
check "--unwind fp, no frame pointers: the text report says how many and why" 1 \
	"$(grep -cE '^Truncated stacks: [0-9]+ of [0-9]+: .*frame pointers.*-fno-omit-frame-pointer' "$T/nofp.txt")"
check "--unwind fp, no frame pointers: the stack is marked in the text" true \
	"$(grep -q '^    \[truncated: callers missing\]$' "$T/nofp.txt" && echo true || echo false)"

# --- --debuginfod needs its environment variable: one line, exit 2
DEBUGINFOD_URLS= "$PB" --pid $$ --debuginfod --duration 1 >/dev/null 2>"$T/di.err"
check "--debuginfod without DEBUGINFOD_URLS: exit 2" 2 $?
check "--debuginfod without DEBUGINFOD_URLS: one line naming the variable" "1 1" \
	"$(wc -l <"$T/di.err") $(grep -c DEBUGINFOD_URLS "$T/di.err")"
finish
