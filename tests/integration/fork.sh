#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of fork following (issue 12, item 3): tests/workloads/forker forks three
# children and one grandchild, each leaking a known amount from its own function after a
# second. Launch mode follows them by default, --pid with --follow-forks: each process exact,
# with its parent, the inherited block each child frees counted as an unmatched free; the
# text report groups by process, the session's folded output has the process as root frame;
# a command that exits before the processes it forked leaves the session running until they
# end; the same with perf events for probes (PERFAN_UPROBE_MULTI=0: kernels before 6.6). The
# real perfan-bpf with real BPF; needs root; never skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
FORKER=$PWD/.output/workloads/forker
SRC=$PWD/tests/workloads/forker.c
. tests/integration/lib.sh fork

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$FORKER"; do
	[[ -e $f ]] || { no "missing $f: run make first"; finish; }
done
line() { grep -n "@$1\b" "$SRC" | cut -d: -f1; }

# the exact leaks of each forker process, by its leaking function: "function bytes objects"
# (the parent's 500 B shared block is allocated in main, where share() is inlined or not)
check_forker() { # json label parent-pid
	local j=$1 label=$2 parent=$3
	check "$label: five processes, each exact: pid's parent, live bytes, live objects" \
		"- 600 2|$parent 2000 2|child 4444 1|$parent 6000 3|$parent 12000 4" \
		"$(jq -r --argjson p "$parent" '
			[.processes[] | select(.pid == $p or .ppid != null)
			 | select(.pid == $p or .live_bytes > 0)] as $ps
			| [$ps[] | select(.pid != $p) | .pid] as $kids
			| [$ps[] | [(if .pid == $p then "-" elif .ppid == $p then "\(.ppid)"
				      elif ([.ppid] | inside($kids)) then "child" else "?" end),
				     .live_bytes, .live_objects] | map(tostring) | join(" ")]
			| sort_by(split(" ")[1] | tonumber) | join("|")' "$j")"
	check "$label: each child's stack: leak_in_child at forker.c:$(line FORK_CHILD), with its pid" \
		"2000 2|6000 3|12000 4" \
		"$(jq -r --argjson p "$parent" --arg l "$SRC:$(line FORK_CHILD)" '
			[.stacks[] | select(.pid != $p and .frames[0].function == "leak_in_child"
				and "\(.frames[0].file):\(.frames[0].line)" == $l)
			 | "\(.live_bytes) \(.live_objects)"] | sort_by(split(" ")[0] | tonumber)
			| join("|")' "$j")"
	check "$label: the grandchild's stack: leak_in_grandchild, whole to main" "4444 1 true" \
		"$(jq -r '[.stacks[] | select(.frames[0].function == "leak_in_grandchild")
			 | "\(.live_bytes) \(.live_objects) \(any(.frames[]; .function == "main"))"]
			| join("|")' "$j")"
	check "$label: the parent's own leak: leak_in_parent" "100 1" \
		"$(jq -r --argjson p "$parent" '[.stacks[] | select(.pid == $p
			and .frames[0].function == "leak_in_parent") | "\(.live_bytes) \(.live_objects)"]
			| join("|")' "$j")"
	# (a shell's subshell may leave truncated stacks of the image it drops at its exec)
	check "$label: no stack with live blocks truncated" 0 \
		"$(jq '[.stacks[] | select(.live_objects > 0 and .truncated)] | length' "$j")"
}

# --- launch mode: forks are followed by default
timeout 60 "$PB" leak --format json -o "$T/launch.session" -- "$FORKER" >"$T/launch.json" \
	2>"$T/launch.err"
check "launch: exit status" 0 $?
check_forker "$T/launch.json" launch "$(jq -r '.pid' "$T/launch.json")"
check "launch: totals are the five processes' sums" "25044 12" \
	"$(jq -r '"\(.totals.live_bytes) \(.totals.live_objects)"' "$T/launch.json")"
check "launch: the three inherited blocks the children free are unmatched frees" 3 \
	"$(jq '.lost.unmatched_frees' "$T/launch.json")"
check "launch: stderr names each process followed and how late its probes came" 4 \
	"$(grep -cE '^perfan-bpf: following pid [0-9]+ \(forker\), forked by pid [0-9]+: attached [0-9.]+ ms after the fork' "$T/launch.err")"
check "launch: stderr sums them up" 1 \
	"$(grep -cE '^perfan-bpf: followed 4 forked processes, each attached [0-9.]+-[0-9.]+ ms after its fork' "$T/launch.err")"

# the same with one perf event per probe, the way kernels without uprobe_multi links (before
# 6.6) are probed
PERFAN_UPROBE_MULTI=0 timeout 60 "$PB" leak --format json --no-output -- "$FORKER" \
	>"$T/perf.json" 2>"$T/perf.err"
check "perf events: exit status" 0 $?
check_forker "$T/perf.json" "perf events" "$(jq -r '.pid' "$T/perf.json")"
check "perf events: the three unmatched frees" 3 "$(jq '.lost.unmatched_frees' "$T/perf.json")"

# the text report of the session file groups by process; folded has the process as root frame
"$PB" report "$T/launch.session" >"$T/launch.txt" 2>"$T/report.err"
check "report: exit status" 0 $?
check "report, text: titled for the processes forked" 1 \
	"$(grep -c "^Final report for pid [0-9]* and the processes it forked" "$T/launch.txt")"
check "report, text: five processes summed first" 1 \
	"$(grep -c "^  processes: 5 with live memory, 5 seen allocating" "$T/launch.txt")"
check "report, text: each stack labelled with its pid" 6 \
	"$(grep -cE '^#[0-9]+ .*  \[pid [0-9]+\]$' "$T/launch.txt")"
"$PB" report "$T/launch.session" --format folded >"$T/launch.folded" 2>>"$T/report.err"
check "report, folded: one root per process, live bytes summed" \
	"600 2000 4444 6000 12000" \
	"$(awk '{split($0, f, ";"); s[f[1]] += $NF} END {for (k in s) print s[k]}' \
		"$T/launch.folded" | sort -n | xargs)"
check "report, folded: roots are the processes" 5 \
	"$(cut -d';' -f1 "$T/launch.folded" | sort -u | grep -c '^pid [0-9]*$')"

# --- --no-follow-forks: the command's process alone
timeout 60 "$PB" leak --format json --no-output --no-follow-forks -- "$FORKER" \
	>"$T/nofollow.json" 2>"$T/nofollow.err"
check "no-follow: exit status" 0 $?
check "no-follow: one process, the parent's 600 B in 2" "1 600 2" \
	"$(jq -r '"\(.processes | length) \(.totals.live_bytes) \(.totals.live_objects)"' "$T/nofollow.json")"
check "no-follow: no unmatched free (the children are not traced)" 0 \
	"$(jq '.lost.unmatched_frees' "$T/nofollow.json")"
check "no-follow: stderr follows nothing" 0 "$(grep -c "following pid" "$T/nofollow.err")"

# --- --pid with --follow-forks: attached during the parent's first second, before it forks
# (its shared block, allocated at its start, is not seen: the parent has its 100 B alone); the
# text report, and the session's stacks summed by pid
"$FORKER" wait &
fp=$!
bg_pids+=("$fp")
sleep 0.3
timeout 60 "$PB" leak -o "$T/pid.session" --pid "$fp" --follow-forks --interval 0.4 \
	>"$T/pid.all.txt" 2>"$T/pid.err"
check "pid: exit status" 0 $?
wait "$fp" 2>/dev/null
sed -n '/^Final report/,$p' "$T/pid.all.txt" >"$T/pid.txt"
check "pid, text: every process named in every report (the target gone too)" 0 \
	"$(grep -cE "^    pid [0-9]+ +- " "$T/pid.all.txt")"
check "pid, text: the target named" 1 \
	"$(grep -cE "^    pid $fp +forker +100 B live \(100 B\) in 1 objects; allocated 100 B in 1 objects$" "$T/pid.txt")"
check "pid, text: titled for the processes forked" 1 \
	"$(grep -c "^Final report for pid $fp and the processes it forked" "$T/pid.txt")"
check "pid, text: five processes summed first, four forked by another" "1 3 1" \
	"$(grep -c "^  processes: 5 with live memory, 5 seen allocating" "$T/pid.txt") \
$(grep -cE "^    pid [0-9]+ +forker +.*; forked by $fp$" "$T/pid.txt") \
$(grep -cE "^    pid [0-9]+ +forker +4.3 KiB live \(4444 B\) in 1 objects; .*; forked by [0-9]+$" "$T/pid.txt")"
"$PB" report "$T/pid.session" --format json >"$T/pid.json" 2>"$T/report.err"
check "pid, session: live per process" "100 1|2000 2|4444 1|6000 3|12000 4" \
	"$(jq -r '[.stacks | group_by(.pid)[] | "\(map(.live_bytes) | add) \(map(.live_objects) | add)"]
		| sort_by(split(" ")[0] | tonumber) | join("|")' "$T/pid.json")"
check "pid, session: the children's frees of the inherited block are unmatched" 3 \
	"$(jq '.lost.unmatched_frees' "$T/pid.json")"

# --- a command that exits first: the session goes on until the processes it forked end. The
# forker, forked by the shell, is told "first": it sleeps a second before it allocates, as its
# probes are attached after its fork (what a process followed allocates before is not seen)
timeout 60 "$PB" leak --format json --no-output -- sh -c '"$0" first & exit 0' "$FORKER" \
	>"$T/orphan.json" 2>"$T/orphan.err"
check "orphaned: exit status" 0 $?
check "orphaned: stderr says the session goes on after the command" 1 \
	"$(grep -cE "^perfan-bpf: pid [0-9]+ exited; following the 1 process it forked until they exit" "$T/orphan.err")"
sh_pid=$(jq -r '.pid' "$T/orphan.json")
fk_pid=$(jq -r --argjson p "$sh_pid" '[.processes[] | select(.ppid == $p)][0].pid' "$T/orphan.json")
check_forker "$T/orphan.json" orphaned "$fk_pid"
check "orphaned: the forker was forked by the command, and exec'd" "1 forker" \
	"$(jq -r --argjson p "$fk_pid" '"\(.code.execs | map(select(.pid == $p)) | length) \(.processes[] | select(.pid == $p) | .comm)"' "$T/orphan.json")"
finish
