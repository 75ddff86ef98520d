#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of perfan-bpf's trust boundary (docs/security.md) with real BPF, as root
# among a user (nobody) and a traced process it must not trust:
#   1. symlinks planted by nobody under every default session name, in a sticky and in a
#      plain world-writable directory, and under an --output name: never written through
#   2. files pre-created by nobody under the default names: never written, never handed over
#   3. every file perfan-bpf writes is 0600 root under umask 000; an existing --output is
#      kept unless --force, which replaces the name by a new file
#   4. a target whose PERFAN_MARK labels hold escapes, controls, invalid UTF-8 and C1 codes
#      (tests/workloads/marker.c): labels sanitized where they enter, outputs clean
#   5. a target that marks in a tight loop: rate-limited, the drops counted;
#      --max-session-size bounds the file
#   6. a stale control socket (session killed with SIGKILL) does not confuse `mark`
#   7. a second session on a traced pid is refused before any BPF is loaded
#   8. numbers on the command line are decimal only
#   9. pids that are not ordinary processes: a kernel thread and a zombie are named as such;
#      a process whose main thread called pthread_exit is traced exactly (mainexit.c)
# Sets fs.protected_symlinks=0 fs.protected_regular=0 for tests 1-2 (the kernel's own defence
# off, so perfan-bpf's is what is tested) and restores them. Needs root; never skips. Prints
# "ok"/"FAIL" per check and "security: N passed, N failed". PERFAN_BPF=PATH tests another
# build (default ./perfan-bpf).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
PB=${PERFAN_BPF:-$ROOT/perfan-bpf}
LEAKY=$ROOT/.output/workloads/leaky
MARKER=$ROOT/.output/workloads/marker
MAINEXIT=$ROOT/.output/workloads/mainexit
TIMED=$ROOT/.output/workloads/timed
FIX=$ROOT/tests/fixtures/session/server.session
. tests/integration/lib.sh security
export PERFAN_RUNTIME_DIR=$T/run # our own control sockets: independent of other sessions

SAFE="600 root regular file"
EXISTS='exists.*--force|--force.*exists'
# "mode owner type" of a name, never following a symlink; "missing" when there is none
file_kind() { stat -c '%a %U %F' -- "$1" 2>/dev/null || echo missing; }
# the PATH of the closing line "perfan-bpf: N snapshots in PATH" (or "1 snapshot in PATH")
session_named() { sed -n 's/^perfan-bpf: [0-9]* snapshots\{0,1\} in //p' "$1" | tail -n1; }
# every snapshot label of a session file (plain or gzip), as one JSON array
labels_json() { zcat -f "$1" 2>/dev/null | jq -sc '[.[] | select(.type == "snapshot") | .label]' 2>/dev/null; }
# the first bytes of a file, newlines shown as '|'
head_of() { head -c "${2:-60}" "$1" 2>/dev/null | tr '\n' '|'; }
refused() { # description ERE command...: exit 2 with exactly one stderr line matching ERE
	local what=$1 re=$2 rc lines
	shift 2
	timeout 30 "$@" >/dev/null 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [[ $rc == 2 && $lines == 1 ]] && grep -qE -- "$re" "$T/err"; then
		ok "$what: exit 2, one line: $(cat "$T/err")"
	else
		no "$what: want exit 2 and one stderr line matching /$re/, got exit $rc and $lines lines: $(head -c 300 "$T/err" | tr '\n' '|')"
	fi
}
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
victim() { # name: a root-only file with known content under $T/victim_dir; prints its path
	printf 'root secret %s\n' "$1" >"$T/victim_dir/$1"
	chmod 600 "$T/victim_dir/$1"
	echo "$T/victim_dir/$1"
}
victim_same() { # description path
	check "$1: the victim's mode and content unchanged" "$SAFE|root secret $(basename "$2")|" \
		"$(file_kind "$2")|$(head_of "$2")"
}
default_names() { # pid variants: each default session name of the next 9 s, with -1..-variants
	local now s stamp v
	now=$(date +%s)
	for s in $(seq 0 8); do
		stamp=$(date -d "@$((now + s))" +%Y%m%d-%H%M%S)
		echo "perfan-$1-$stamp.session"
		for v in $(seq 1 "$2"); do echo "perfan-$1-$stamp-$v.session"; done
	done
}
plant_links() { # dir target < names: as nobody, a symlink to target under each name
	as_nobody bash -c 'cd "$1" || exit 1; while read -r n; do ln -s "$2" "$n" || exit 1; done' _ "$1" "$2"
}
plant_files() { # dir < names: as nobody, an empty file anyone may write under each name
	as_nobody bash -c 'cd "$1" || exit 1; while read -r n; do touch "$n" && chmod 666 "$n" || exit 1; done' _ "$1"
}
links_moved() { # dir target names-file: how many planted links no longer point to target
	local n bad=0
	while read -r n; do
		[[ -L $1/$n && $(readlink "$1/$n") == "$2" ]] || bad=$((bad + 1))
	done <"$3"
	echo "$bad"
}
files_touched() { # dir names-file: how many planted files are no longer empty, nobody's, 666
	local n bad=0
	while read -r n; do
		[[ ! -L $1/$n && $(stat -c '%s %U %a' "$1/$n" 2>/dev/null) == "0 nobody 666" ]] || bad=$((bad + 1))
	done <"$2"
	echo "$bad"
}
session_in() { # dir pid tag: `cd dir && perfan-bpf --pid pid --duration 1`; $T/tag.{out,err,rc}
	(cd "$1" && timeout 30 "$PB" --pid "$2" --duration 1 >"$T/$3.out" 2>"$T/$3.err"; echo $? >"$T/$3.rc")
}
wrote() { # description file command...: exit 0, and file is a new 0600 root regular file
	local what=$1 f=$2 rc
	shift 2
	timeout 30 "$@" >/dev/null 2>"$T/err"
	rc=$?
	if [[ $rc == 0 && $(file_kind "$f") == "$SAFE" ]]; then
		ok "$what: exit 0, $SAFE"
	else
		no "$what: want exit 0 and '$SAFE', got exit $rc and '$(file_kind "$f")': $(head_of "$T/err" 300)"
	fi
}
resolve() { [[ -z $2 || $2 == /* ]] && echo "$2" || echo "$1/$2"; } # dir path

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs, uprobes, sysctl); they never skip"
	finish
fi
for f in "$PB" "$LEAKY" "$MARKER" "$TIMED"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done
for tool in setpriv jq sysctl iconv; do
	command -v "$tool" >/dev/null || { no "$tool is missing: run tools/install-deps.sh"; finish; }
done
id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null || { no "no user nobody / group nogroup"; finish; }

# The kernel's own defence (protected_symlinks, protected_regular) off, restored on exit
old_sym=$(sysctl -n fs.protected_symlinks) old_reg=$(sysctl -n fs.protected_regular)
restore_sysctl() { sysctl -qw fs.protected_symlinks="$old_sym" fs.protected_regular="$old_reg"; }
trap 'restore_sysctl; cleanup' EXIT
sysctl -qw fs.protected_symlinks=0 fs.protected_regular=0 ||
	{ no "cannot set fs.protected_symlinks=0 fs.protected_regular=0"; finish; }

cp "$FIX" "$T/fix.session"
chmod 711 "$T" # nobody may pass through to the world-writable directories, not read $T
mkdir "$T/victim_dir" && chmod 700 "$T/victim_dir"
# three targets that allocate nothing until told (leaky -w), alive for the whole run
for w in 1 2 3; do
	"$LEAKY" -w >"$T/w$w.out" 2>&1 &
	bg_pids+=($!)
	eval "W$w=$!"
	disown $! # killed at the end without a word
done
for w in 1 2 3; do wait_for "$T/w$w.out" READY || { no "workload $w did not start"; finish; }; done

# --- 1. symlinks planted under every default name: the sticky dir has base and -1..-9 taken
# (no file can be made), the plain one base and -1..-3 (the session goes to -4)
S1=$T/sticky1 O1=$T/open1
mkdir "$S1" "$O1" && chmod 1777 "$S1" && chmod 0777 "$O1"
va=$(victim sticky) vb=$(victim open)
default_names "$W1" 9 >"$T/names.s1"
default_names "$W2" 3 >"$T/names.o1"
plant_links "$S1" "$va" <"$T/names.s1"
plant_links "$O1" "$vb" <"$T/names.o1"
check "nobody planted 90 + 36 symlinks" "90 36" "$(ls -A "$S1" | wc -l) $(ls -A "$O1" | wc -l)"
session_in "$S1" "$W1" s1 &
p1=$!
session_in "$O1" "$W2" o1 &
p2=$!
bg_pids+=("$p1" "$p2")
wait "$p1" "$p2"
check "sticky dir, every default name a planted symlink: the session still runs, exit 0" 0 "$(cat "$T/s1.rc")"
victim_same "sticky dir, planted symlinks" "$va"
check "sticky dir: every planted symlink still points to the victim" 0 "$(links_moved "$S1" "$va" "$T/names.s1")"
check "sticky dir: one warning 'no session file'" 1 "$(grep -c '^perfan-bpf: warning: no session file' "$T/s1.err")"
check "sticky dir: no session file named at the end" "" "$(session_named "$T/s1.err")"
check "sticky dir: nothing created beside the planted names" 90 "$(ls -A "$S1" | wc -l)"
check "plain world-writable dir, 4 of 10 names planted: exit 0" 0 "$(cat "$T/o1.rc")"
victim_same "plain dir, planted symlinks" "$vb"
check "plain dir: every planted symlink still points to the victim" 0 "$(links_moved "$O1" "$vb" "$T/names.o1")"
named=$(session_named "$T/o1.err")
if [[ $(basename -- "${named:-none}") =~ ^perfan-$W2-[0-9]{8}-[0-9]{6}-4\.session$ ]]; then
	ok "plain dir: the session went to the first free name, $(basename -- "$named")"
else
	no "plain dir: want the session in perfan-$W2-STAMP-4.session, stderr names '$named'"
fi
check "plain dir: the session file is a new root-only file" "$SAFE" "$(file_kind "$(resolve "$O1" "$named")")"

# --output onto a planted symlink: refused without --force; --force replaces the name only
vc=$(victim output) vd=$(victim forced)
as_nobody ln -s "$vc" "$S1/planted-link"
refused "leak --output onto a planted symlink, no --force" "$EXISTS" \
	"$PB" --pid "$W1" --duration 1 --output "$S1/planted-link"
victim_same "leak --output onto a planted symlink" "$vc"
check "leak --output onto a planted symlink: the link left as it was" "$vc" "$(readlink "$S1/planted-link")"
as_nobody ln -sfn "$vd" "$S1/planted-link"
timeout 30 "$PB" --pid "$W1" --duration 1 --output "$S1/planted-link" --force >/dev/null 2>"$T/force.err"
check "leak --output onto a planted symlink --force: exit 0" 0 $?
victim_same "leak --force over a planted symlink" "$vd"
check "leak --force over a planted symlink: the name is now a new root-only file" "$SAFE" \
	"$(file_kind "$S1/planted-link")"
check "leak --force: the session is in it" end "$(labels_json "$S1/planted-link" | jq -r '.[-1]' 2>/dev/null)"
# a dangling symlink: nothing is created where it points, with or without --force
as_nobody ln -s "$T/victim_dir/created" "$S1/dangling"
refused "report --output onto a dangling symlink, no --force" "$EXISTS" \
	"$PB" report "$T/fix.session" --output "$S1/dangling"
check "report --output onto a dangling symlink: nothing created where it points" missing \
	"$(file_kind "$T/victim_dir/created")"
timeout 30 "$PB" report "$T/fix.session" --output "$S1/dangling" --force >/dev/null 2>"$T/err"
check "report --output onto a dangling symlink --force: exit 0" 0 $?
check "report --force over a dangling symlink: still nothing where it pointed" missing \
	"$(file_kind "$T/victim_dir/created")"
check "report --force over a dangling symlink: the name is now a new root-only file" "$SAFE" \
	"$(file_kind "$S1/dangling")"

# --- 2. files nobody made, mode 666, under the default names: never written or handed over
S2=$T/sticky2 O2=$T/open2
mkdir "$S2" "$O2" && chmod 1777 "$S2" && chmod 0777 "$O2"
default_names "$W1" 9 >"$T/names.s2"
default_names "$W2" 3 >"$T/names.o2"
plant_files "$S2" <"$T/names.s2"
plant_files "$O2" <"$T/names.o2"
check "nobody pre-created 90 + 36 files" "90 36" "$(ls -A "$S2" | wc -l) $(ls -A "$O2" | wc -l)"
session_in "$S2" "$W1" s2 &
p1=$!
session_in "$O2" "$W2" o2 &
p2=$!
bg_pids+=("$p1" "$p2")
wait "$p1" "$p2"
check "sticky dir, every default name pre-created: exit 0" 0 "$(cat "$T/s2.rc")"
check "sticky dir: the pre-created files are still empty, nobody's, 666" 0 "$(files_touched "$S2" "$T/names.s2")"
check "sticky dir: one warning 'no session file'" 1 "$(grep -c '^perfan-bpf: warning: no session file' "$T/s2.err")"
check "sticky dir: no session file named at the end" "" "$(session_named "$T/s2.err")"
check "plain dir, 4 of 10 names pre-created: exit 0" 0 "$(cat "$T/o2.rc")"
check "plain dir: the pre-created files are still empty, nobody's, 666" 0 "$(files_touched "$O2" "$T/names.o2")"
named=$(session_named "$T/o2.err")
if [[ $(basename -- "${named:-none}") =~ ^perfan-$W2-[0-9]{8}-[0-9]{6}-4\.session$ ]]; then
	ok "plain dir: the session went to the first free name, $(basename -- "$named")"
else
	no "plain dir: want the session in perfan-$W2-STAMP-4.session, stderr names '$named'"
fi
check "plain dir: the session file is a new root-only file" "$SAFE" "$(file_kind "$(resolve "$O2" "$named")")"
restore_sysctl

# --- 3. every file written is 0600 root, whatever the umask
umask 000
M=$T/modes
mkdir "$M"
session_in "$M" "$W1" m1 &
p1=$!
(timeout 30 "$PB" --pid "$W2" --duration 1 --output "$M/x.session.gz" >/dev/null 2>"$T/m2.err"; echo $? >"$T/m2.rc") &
p2=$!
bg_pids+=("$p1" "$p2")
wait "$p1" "$p2"
check "umask 000: leak session file under its default name: exit 0, 0600 root" "0 $SAFE" \
	"$(cat "$T/m1.rc") $(file_kind "$(resolve "$M" "$(session_named "$T/m1.err")")")"
check "umask 000: leak --output x.session.gz: exit 0, 0600 root" "0 $SAFE" \
	"$(cat "$T/m2.rc") $(file_kind "$M/x.session.gz")"
for f in json text folded pprof svg html; do
	wrote "umask 000: report --format $f --output" "$M/report.$f" \
		"$PB" report "$T/fix.session" --format "$f" --output "$M/report.$f"
done
wrote "umask 000: diff --output" "$M/d.txt" "$PB" diff "$T/fix.session" --output "$M/d.txt"
wrote "umask 000: time --output r.json" "$M/r.json" \
	"$PB" time --func recurse --output "$M/r.json" -- "$TIMED" recurse 30 10
wrote "umask 000: baseline save --output b.json" "$M/b.json" \
	"$PB" baseline save "$M/r.json" --output "$M/b.json"
# a baseline is meant to be updated in place (history appended, docs/regress.md): still 0600
wrote "umask 000: baseline save onto its own baseline" "$M/b.json" \
	"$PB" baseline save "$M/r.json" --output "$M/b.json"
check "baseline save onto its own baseline: updated, 2 history entries" 2 \
	"$(jq '.baselines[0].history | length' "$M/b.json" 2>/dev/null)"
umask 022

# an existing --output is kept without --force; --force replaces it by a new 0600 file.
# The word FORCE in the command becomes --force in a second run (none: no second run).
no_clobber() { # description file command...
	local what=$1 f=$2 a plain=() forced=() rc
	shift 2
	for a in "$@"; do
		if [[ $a == FORCE ]]; then forced+=(--force); else plain+=("$a") forced+=("$a"); fi
	done
	printf 'keep\n' >"$f"
	chmod 644 "$f"
	refused "$what onto an existing file, no --force" "$EXISTS" "${plain[@]}"
	check "$what: the existing file kept as it was" "644 root regular file|keep|" "$(file_kind "$f")|$(head_of "$f")"
	[[ ${#forced[@]} == "${#plain[@]}" ]] && return
	timeout 30 "${forced[@]}" >/dev/null 2>"$T/err"
	rc=$?
	check "$what --force over an existing file: exit 0, a new 0600 root file with the output" \
		"0 $SAFE new" "$rc $(file_kind "$f") $([[ $(cat "$f") == keep ]] && echo kept || echo new)"
}
E=$T/exist
mkdir "$E"
no_clobber "report --output" "$E/report.txt" "$PB" report "$T/fix.session" --output "$E/report.txt" FORCE
no_clobber "diff --output" "$E/diff.txt" "$PB" diff "$T/fix.session" --output "$E/diff.txt" FORCE
no_clobber "time --output" "$E/time.json" "$PB" time FORCE --func recurse --output "$E/time.json" \
	-- "$TIMED" recurse 30 10
no_clobber "leak --output" "$E/leak.session" "$PB" --pid "$W3" --duration 1 --output "$E/leak.session"
# baseline save updates its own baseline in place; a symlink or another user's file it leaves
# alone without --force
vb=$(victim baseline)
ln -s "$vb" "$E/b-link.json"
refused "baseline save --output onto a symlink, no --force" "$EXISTS" \
	"$PB" baseline save "$M/r.json" --output "$E/b-link.json"
victim_same "baseline save --output onto a symlink" "$vb"
printf 'keep\n' >"$E/b-own.json"
chmod 644 "$E/b-own.json"
refused "baseline save --output onto an existing file that is no baseline" . \
	"$PB" baseline save "$M/r.json" --output "$E/b-own.json"
check "baseline save onto a file that is no baseline: kept as it was" "644 root regular file|keep|" \
	"$(file_kind "$E/b-own.json")|$(head_of "$E/b-own.json")"
printf 'keep\n' >"$E/b-nobody.json"
chmod 666 "$E/b-nobody.json"
chown nobody:nogroup "$E/b-nobody.json"
refused "baseline save --output onto another user's file, no --force" "$EXISTS" \
	"$PB" baseline save "$M/r.json" --output "$E/b-nobody.json"
check "baseline save onto another user's file: kept as it was" "666 nobody regular file|keep|" \
	"$(file_kind "$E/b-nobody.json")|$(head_of "$E/b-nobody.json")"
timeout 30 "$PB" baseline save "$M/r.json" --output "$E/b-link.json" --force >/dev/null 2>"$T/err"
rc=$?
check "baseline save --force over a symlink: exit 0, the name a new 0600 root file" "0 $SAFE" \
	"$rc $(file_kind "$E/b-link.json")"
victim_same "baseline save --force over a symlink" "$vb"

# --- 4. labels from the target: sanitized where they enter; no escape reaches a terminal
"$MARKER" evil >"$T/ev.out" 2>&1 &
mk=$!
bg_pids+=("$mk")
wait_for "$T/ev.out" READY
timeout 60 "$PB" --pid "$mk" --output "$T/ev.session" --interval 60 >/dev/null 2>"$T/ev.err" &
pb=$!
bg_pids+=("$pb")
wait_for "$T/ev.err" "tracing pid" || no "evil marks: the session did not start: $(head -c 300 "$T/ev.err")"
kill -USR1 "$mk"
wait_for "$T/ev.out" MARKED
for _ in $(seq 50); do
	[[ $(labels_json "$T/ev.session" | jq length 2>/dev/null) -ge 4 ]] && break
	sleep 0.1
done
kill -USR1 "$mk" # the target exits, the session ends
wait "$pb"
check "evil marks: session exit 0" 0 $?
labels=$(labels_json "$T/ev.session")
check "evil marks: escapes, newline and bell stored as '?'" '"?[2J?[31mFAKE?line?"' "$(jq -c '.[0]' <<<"$labels" 2>/dev/null)"
check "evil marks: invalid UTF-8 stored as '?'" '"bad??utf8"' "$(jq -c '.[1]' <<<"$labels" 2>/dev/null)"
check "evil marks: the C1 control U+009B stored as one '?'" '"c1?x"' "$(jq -c '.[2]' <<<"$labels" 2>/dev/null)"
check "evil marks: valid UTF-8 kept" '"café"' "$(jq -c '.[3]' <<<"$labels" 2>/dev/null)"
check "evil marks: then 'end'" '"end"' "$(jq -c '.[4]' <<<"$labels" 2>/dev/null)"
check "evil marks: the session file is valid UTF-8 and holds no C1 control" "valid 0" \
	"$(iconv -f UTF-8 -t UTF-8 "$T/ev.session" >/dev/null 2>&1 && echo valid || echo invalid) $(LC_ALL=C grep -c $'\xc2[\x80-\x9f]' "$T/ev.session")"
first=$(jq -r '.[0]' <<<"$labels" 2>/dev/null)
third=$(jq -r '.[2]' <<<"$labels" 2>/dev/null)
# ESC, BEL and C1 CSI bytes, and lines cut by the label's newline ("...FAKE" then "line...")
dirt() { LC_ALL=C awk '/\033/ { e++ } /\007/ { b++ } /\302\233/ { c++ } /FAKE$|^FAKE/ { s++ }
	END { printf "esc=%d bel=%d c1=%d cut=%d\n", e, b, c, s }' "$1"; }
timeout 30 "$PB" report "$T/ev.session" --label "$first" >"$T/ev.report" 2>"$T/err"
check "evil marks: report --label (the stored first label): exit 0" 0 $?
timeout 30 "$PB" diff "$T/ev.session" >"$T/ev.diff" 2>"$T/err"
check "evil marks: diff (first to end): exit 0" 0 $?
timeout 30 "$PB" trend "$T/ev.session" >"$T/ev.trend" 2>"$T/err"
check "evil marks: trend: exit 0" 0 $?
timeout 30 "$PB" report "$T/ev.session" --label "$third" >"$T/ev.c1" 2>"$T/err"
check "evil marks: report --label (the stored C1 label): exit 0, no ESC, BEL, C1 CSI byte, label shown" \
	"0 esc=0 bel=0 c1=0 cut=0 1" "$? $(dirt "$T/ev.c1") $(grep -cF '"c1?x"' "$T/ev.c1")"
for o in report diff trend; do
	check "evil marks: $o text holds no ESC, BEL, C1 CSI byte, no line cut by the label" \
		"esc=0 bel=0 c1=0 cut=0" "$(dirt "$T/ev.$o")"
	check "evil marks: $o text shows the sanitized label" 1 \
		"$(grep -cF '?[2J?[31mFAKE?line?' "$T/ev.$o" | awk '{ print ($1 > 0) }')"
done

# --- 5. a target that marks as fast as it can: at most --max-mark-rate per second
N=200000
flood() { # tag options...: trace `marker flood N` until it has marked N times and exits
	local tag=$1 mk pb
	shift
	"$MARKER" flood "$N" >"$T/$tag.wl" 2>&1 &
	mk=$!
	bg_pids+=("$mk")
	wait_for "$T/$tag.wl" READY
	t0=$(date +%s.%N)
	timeout 60 "$PB" --pid "$mk" --format json --output "$T/$tag.session" "$@" >"$T/$tag.json" 2>"$T/$tag.err" &
	pb=$!
	bg_pids+=("$pb")
	wait_for "$T/$tag.err" "tracing pid" || no "flood $tag: the session did not start: $(head -c 300 "$T/$tag.err")"
	kill -USR1 "$mk"
	wait_for "$T/$tag.wl" DONE 300 || no "flood $tag: the target did not finish its marks"
	kill -USR1 "$mk"
	wait "$pb"
	rc=$?
	t1=$(date +%s.%N)
}
flood f
check "flood: exit 0" 0 "$rc"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { e = b - a; s = int(e); if (s < e) s++; print s }')
snaps=$(jq -s '[.[] | select(.type == "snapshot")] | length' "$T/f.session" 2>/dev/null)
marks=$(jq -s '[.[] | select(.type == "snapshot" and (.label | test("^m[0-9]+$")))] | length' "$T/f.session" 2>/dev/null)
dropped=$(jq '.lost.marks_dropped' "$T/f.json" 2>/dev/null)
if [[ $snaps =~ ^[0-9]+$ ]] && ((snaps <= 10 * secs + 12)); then
	ok "flood: $snaps snapshots in $secs s, within 10/s (the default rate) + burst"
else
	no "flood: want at most 10 * $secs + 12 snapshots, got '$snaps'"
fi
if [[ $dropped =~ ^[0-9]+$ ]] && ((dropped > 0)); then
	ok "flood: lost.marks_dropped is $dropped"
else
	no "flood: want lost.marks_dropped > 0 in the JSON report, got '$dropped'"
fi
if [[ $dropped =~ ^[0-9]+$ && $marks =~ ^[0-9]+$ ]] && ((marks + dropped >= N - 2 && marks + dropped <= N)); then
	ok "flood: every mark accounted for: $marks snapshots + $dropped dropped of $N"
else
	no "flood: want mark snapshots + marks_dropped within [$((N - 2)), $N], got '$marks' + '$dropped'"
fi
check "flood: stderr says perfan:mark probes were dropped" 1 \
	"$(grep 'perfan:mark' "$T/f.err" | grep -c dropped)"

flood f2 --max-mark-rate 1000 --max-session-size 50K
check "flood --max-mark-rate 1000 --max-session-size 50K: exit 0" 0 "$rc"
size=$(stat -c %s "$T/f2.session" 2>/dev/null || echo missing)
if [[ $size =~ ^[0-9]+$ ]] && ((size < 50 * 1024 + 20000)); then
	ok "--max-session-size 50K: the file holds $size bytes"
else
	no "--max-session-size 50K: want under $((50 * 1024 + 20000)) bytes, got $size"
fi
sdropped=$(jq '.lost.snapshots_dropped' "$T/f2.json" 2>/dev/null)
if [[ $sdropped =~ ^[0-9]+$ ]] && ((sdropped > 0)); then
	ok "--max-session-size: lost.snapshots_dropped is $sdropped"
else
	no "--max-session-size: want lost.snapshots_dropped > 0 in the JSON report, got '$sdropped'"
fi
check "--max-session-size: stderr names the limit and the snapshots not written" 1 \
	"$(grep -e '--max-session-size' "$T/f2.err" | grep -cw -- "${sdropped:-x}")"
timeout 30 "$PB" report "$T/f2.session" --label end >/dev/null 2>"$T/err"
check "--max-session-size: the file still reads, its 'end' snapshot written" 0 $?

# --- 6. a stale socket (session killed with SIGKILL) does not confuse `perfan-bpf mark`;
# 7. a second session on a traced pid is refused before any BPF is loaded
"$PB" --pid "$W1" --no-output --interval 60 >/dev/null 2>"$T/sa.err" &
sa=$!
bg_pids+=("$sa")
wait_for "$T/sa.err" "tracing pid" || no "session A did not start: $(head -c 300 "$T/sa.err")"
kill -9 "$sa"
wait "$sa" 2>/dev/null
if [[ -S $PERFAN_RUNTIME_DIR/$W1.sock ]]; then
	ok "a session killed with SIGKILL leaves its socket $W1.sock"
else
	no "no stale $W1.sock after SIGKILL: the checks of its removal below are moot"
fi
timeout 60 "$PB" --pid "$W2" --output "$T/sb.session" --interval 60 >/dev/null 2>"$T/sb.err" &
sb=$!
bg_pids+=("$sb")
wait_for "$T/sb.err" "tracing pid" || no "session B did not start: $(head -c 300 "$T/sb.err")"
timeout 30 "$PB" mark lbl >/dev/null 2>"$T/err"
rc=$?
if [[ $rc == 0 ]]; then
	ok "mark without --pid, one live session and one stale socket: exit 0"
else
	no "mark without --pid, one live session and one stale socket: want exit 0, got $rc: $(head -c 200 "$T/err")"
fi
check "the control socket directory is root's, 0700" "700 root directory" "$(file_kind "$PERFAN_RUNTIME_DIR")"
check "mark without --pid: the label is in the live session's file" 1 \
	"$(labels_json "$T/sb.session" | jq '[.[] | select(. == "lbl")] | length' 2>/dev/null)"
check "mark without --pid: the stale socket removed" missing "$(file_kind "$PERFAN_RUNTIME_DIR/$W1.sock")"
timeout 30 "$PB" --pid "$W2" --verbose --duration 1 --no-output >/dev/null 2>"$T/s2nd.err"
check "a second session on a traced pid: exit 2" 2 $?
check "a second session: says another session already traces the pid" 1 "$(grep -c 'already traces pid' "$T/s2nd.err")"
check "a second session is refused before any BPF is loaded: no libbpf line" 0 "$(grep -c '^libbpf:' "$T/s2nd.err")"
check "a second session traces nothing: no 'tracing pid' line" 0 "$(grep -c 'tracing pid' "$T/s2nd.err")"
kill -INT "$sb"
wait "$sb"
check "session B ends on Ctrl-C: exit 0" 0 $?
refused "mark without --pid when no session runs" "no perfan-bpf leak session is running" "$PB" mark lbl2
timeout 30 "$PB" --pid "$W1" --duration 1 --no-output >/dev/null 2>"$T/a2.err"
rc=$?
check "a new session on the killed session's pid: starts, exit 0" "0 1" "$rc $(grep -c 'tracing pid' "$T/a2.err")"

# --- 8. numbers are decimal only (each on its own target: no refusal for 'already traced')
i=0 waits=()
for w in "$W1" "$W2" "$W3"; do
	i=$((i + 1))
	case $i in
	1) opt=(--duration 0x10) ;;
	2) opt=(--duration 1e1) ;;
	3) opt=(--interval +5) ;;
	esac
	(timeout -s KILL 4 "$PB" leak --pid "$w" "${opt[@]}" --no-output >/dev/null 2>"$T/num$i.err"; echo $? >"$T/num$i.rc") &
	waits+=($!)
	eval "num$i='${opt[*]}'"
done
bg_pids+=("${waits[@]}")
wait "${waits[@]}"
for i in 1 2 3; do
	eval "what=\$num$i"
	rc=$(cat "$T/num$i.rc") lines=$(wc -l <"$T/num$i.err")
	if [[ $rc == 2 && $lines == 1 ]]; then
		ok "leak $what: exit 2, one line: $(cat "$T/num$i.err")"
	else
		no "leak $what: want exit 2 and one line, got exit $rc and $lines lines: $(head -c 200 "$T/num$i.err")"
	fi
done

# --- 9. pids that are not ordinary processes
refused "a kernel thread (pid 2)" 'pid 2 cannot be traced: it is a kernel thread' \
	"$PB" --pid 2 --no-output
# a zombie: the child exits, its parent (exec'd into sleep) never reaps it
bash -c 'sleep 0.1 & exec sleep 30' &
zparent=$!
bg_pids+=("$zparent")
sleep 0.5
zombie=$(ps -o pid= --ppid "$zparent" | tr -d ' ')
check "the zombie exists" Z "$(ps -o stat= -p "${zombie:-0}" | cut -c1)"
refused "a zombie" "pid $zombie cannot be traced: it is a zombie" "$PB" --pid "$zombie" --no-output
kill -9 "$zparent" 2>/dev/null
"$MAINEXIT" >"$T/me.out" 2>&1 &
me=$!
bg_pids+=("$me")
wait_for "$T/me.out" READY || no "mainexit did not start"
check "mainexit's main thread is gone: its maps read empty" 0 "$(wc -c <"/proc/$me/maps")"
"$PB" --pid "$me" --format json --no-output >"$T/me.json" 2>"$T/me.err" &
pb=$!
bg_pids+=("$pb")
wait_for "$T/me.err" "tracing pid" || no "no session on mainexit: $(cat "$T/me.err")"
kill -USR1 "$me"
wait_for "$T/me.out" LEAKED || no "mainexit did not leak"
kill -USR1 "$me" # it exits; the session ends with it
wait "$pb"
check "pthread_exit'ed main thread: session exit 0" 0 $?
check "pthread_exit'ed main thread: the thread's leak, exactly" "25000 25 thread_leak worker" \
	"$(jq -r '[.stacks[] | select(.frames[0].function == "thread_leak")][0]
	  | "\(.live_bytes) \(.live_objects) \(.frames[0].function) \(.frames[1].function)"' "$T/me.json")"

finish
