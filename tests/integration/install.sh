#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of perfan-bpf installed as a system tool (README "Install"; docs/security.md
# "The agent's service unit"), as root:
#   1. one version: PERFAN_VERSION in user/cli/main.c = `make version` = `perfan-bpf --version`
#      = debian/changelog
#   2. `make install` / `make uninstall` with PREFIX and DESTDIR: exactly the expected files and
#      modes, the unit's ExecStart under SBINDIR; uninstall leaves no file
#   3. the man page: `mandoc -Tlint` silent; a section per subcommand naming every long option
#      its --help lists; EXIT STATUS, ENVIRONMENT, FILES, SECURITY CONSIDERATIONS
#   4. bash completion (tools/completion/perfan-bpf) through COMP_WORDS/COMP_CWORD: subcommands
#      and options as --help lists them, option values, pids (exactly, in a pid namespace of
#      its own), labels of a session file (plain, gzip, odd characters) for diff and report,
#      of the running session for mark, file names, the command after --; also without
#      bash-completion's helpers
#   5. the unit (tools/systemd/perfan-bpf.service): systemd-analyze verify and security; its
#      capability set, given to setpriv as root's bounding set, is enough for the growth gear
#      and exact tracing of root's and another user's processes (frames named, exact live
#      bytes, the target's executable hidden from the profiler's mount namespace) and each
#      capability in it is needed; every system call those runs (and `serve`) make is in its
#      SystemCallFilter
#   6. the .deb: `make deb` in a copy of the checkout (DEB_BUILD_OPTIONS=nocheck parallel=2,
#      built while 1-5 run), lintian without errors, `dpkg -i`, the installed files, the
#      installed /usr/sbin/perfan-bpf runs the growth gear and the demo, the installed
#      completion and unit, `dpkg -r` and `dpkg -P` leave nothing
# Needs root (setpriv, unshare, dpkg); never skips. Prints "ok"/"FAIL" per check and
# "install: N passed, N failed". PERFAN_BPF=PATH tests another build (default ./perfan-bpf).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
PB=${PERFAN_BPF:-$ROOT/perfan-bpf}
COMPFILE=$ROOT/tools/completion/perfan-bpf
UNIT=$ROOT/tools/systemd/perfan-bpf.service
MAN=$ROOT/docs/man/perfan-bpf.8
FIX=$ROOT/tests/fixtures/session/server.session
WL=$ROOT/.output/workloads
DEMO=$ROOT/.output/demo_server
. tests/integration/lib.sh install
export PERFAN_RUNTIME_DIR=$T/run # our own control sockets: independent of other sessions
installed_pkg=0
pkg_cleanup() {
	((installed_pkg)) && dpkg -P perfan-bpf >/dev/null 2>&1
	cleanup
}
trap pkg_cleanup EXIT

# --- 6 (started first: the package build takes longest) -------------------------------------
pre_installed=$(dpkg-query -W -f='${Status}' perfan-bpf 2>/dev/null)
mkdir -p "$T/src"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [[ -e $ROOT/$f ]] && printf '%s\0' "$f"; done |
	tar -C "$ROOT" --null -T - -cf - | tar -C "$T/src" -xf -
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" make -s deb) >"$T/deb.log" 2>&1 &
deb_pid=$!
bg_pids+=("$deb_pid")

# --- 1. one version ---------------------------------------------------------------------------
v_main=$(sed -n 's/^#define PERFAN_VERSION "\(.*\)"$/\1/p' "$ROOT/user/cli/main.c")
[[ -n $v_main ]] && ok "PERFAN_VERSION in user/cli/main.c: $v_main" ||
	no "no PERFAN_VERSION in user/cli/main.c"
check "make version is main.c's" "$v_main" "$(make -s -C "$ROOT" version)"
check "perfan-bpf --version" "perfan-bpf $v_main" "$("$PB" --version)"
check "debian/changelog's version is main.c's" "$v_main" \
	"$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)"

# --- 2. make install / uninstall --------------------------------------------------------------
docs=$( (echo README.md; cd "$ROOT/docs" && ls ./*.md) | sed 's|^\./||' | sort)
expect_files() { # PREFIX: "path mode" of every file make install puts under PREFIX, sorted
	{
		echo "$1/sbin/perfan-bpf 755"
		echo "$1/share/man/man8/perfan-bpf.8 644"
		echo "$1/share/bash-completion/completions/perfan-bpf 644"
		echo "$1/include/perfan.h 644"
		echo "$1/lib/systemd/system/perfan-bpf.service 644"
		for d in $docs; do echo "$1/share/doc/perfan-bpf/$d 644"; done
	} | sed 's|^/||' | sort
}
n_stage=0
for prefix in /usr/local /opt/perfan; do
	stage=$T/stage$((++n_stage))
	if [[ $prefix == /usr/local ]]; then # the default PREFIX
		make -s -C "$ROOT" install DESTDIR="$stage" >"$T/inst.out" 2>&1
	else
		make -s -C "$ROOT" install DESTDIR="$stage" PREFIX="$prefix" >"$T/inst.out" 2>&1
	fi
	rc=$?
	check "make install PREFIX=$prefix DESTDIR=...: exit 0 $(head -c 200 "$T/inst.out")" 0 "$rc"
	check "make install PREFIX=$prefix: the files and their modes" \
		"$(expect_files "$prefix")" "$(cd "$stage" && find . -type f -printf '%P %m\n' | sort)"
	cmp -s "$PB" "$stage$prefix/sbin/perfan-bpf" && ok "the installed binary is ./perfan-bpf" ||
		no "the installed binary differs from ./perfan-bpf"
	check "the installed binary runs" "perfan-bpf $v_main" "$("$stage$prefix/sbin/perfan-bpf" --version)"
	check "the installed unit starts $prefix/sbin/perfan-bpf" \
		"ExecStart=$prefix/sbin/perfan-bpf serve \$PERFAN_BPF_ARGS" \
		"$(grep '^ExecStart=' "$stage$prefix/lib/systemd/system/perfan-bpf.service")"
	if [[ $prefix == /usr/local ]]; then
		make -s -C "$ROOT" uninstall DESTDIR="$stage" >/dev/null 2>&1
	else
		make -s -C "$ROOT" uninstall DESTDIR="$stage" PREFIX="$prefix" >/dev/null 2>&1
	fi
	check "make uninstall PREFIX=$prefix leaves no file" "" \
		"$(cd "$stage" && find . -type f -printf '%P ')"
done

# --- 3. the man page --------------------------------------------------------------------------
# (mandoc says on stderr when the system's mandoc.db is stale: not about this page)
mandoc -Tlint "$MAN" >"$T/lint" 2>&1
rc=$?
lint=$(grep -v 'mandoc\.db' "$T/lint")
[[ $rc == 0 && -z $lint ]] && ok "mandoc -Tlint: no message" ||
	no "mandoc -Tlint: exit $rc: $(head -c 600 <<<"$lint" | tr '\n' '|')"
for sh in 'EXIT STATUS' ENVIRONMENT FILES 'SECURITY CONSIDERATIONS' 'SEE ALSO'; do
	grep -qx "\.Sh $sh" "$MAN" && ok "man: section $sh" || no "man: no section $sh"
done
# the subcommands of `perfan-bpf --help`, and serve (the agent) while it is not built in yet
cmds=$("$PB" --help | sed -n 's/^  \([a-z]\{1,\}\)  .*/\1/p')
grep -qx serve <<<"$cmds" || {
	echo "note: this build has no 'serve' yet: its options are not compared with its --help"
	cmds+=$'\nserve'
}
# the long options a subcommand's --help lists, sorted
help_opts() {
	local h
	if [[ $1 == serve ]] && ! "$PB" --help | grep -q '^  serve '; then
		return
	fi
	h=$("$PB" "$1" --help 2>/dev/null)
	sed -nE 's/^ {2,}(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' <<<"$h" | sort -u
}
for c in $cmds; do
	sect=$(sed -n "/^\.Ss $c\$/,/^\.S[sh] /p" "$MAN")
	[[ -n $sect ]] && ok "man: a section for $c" || no "man: no section '.Ss $c'"
	missing=''
	for o in $(help_opts "$c"); do
		grep -q "^\.It .*Fl -${o#--}\( \|$\)" <<<"$sect" || missing+=" $o"
	done
	check "man: every option of '$c --help' in its section" "" "$missing"
done
grep -q '^\.Fl -version' "$MAN" && ok "man: --version" || no "man: no --version"

# --- 4. bash completion -----------------------------------------------------------------------
# the driver: COMPFILE WORDS... (the last word is the one completed) -> COMPREPLY, a line each.
# LINE overrides COMP_LINE (words split at '=' or ':'); CWORD, COMP_CWORD (the cursor at the
# end of that word; default the last); NOBC=1 goes without bash-completion;
# BG_SLEEP=1 first starts a sleep and prints its pid as "bg PID".
cat >"$T/comp-driver" <<'EOF'
[[ -n ${NOBC:-} ]] || . /usr/share/bash-completion/bash_completion
. "$1"
shift
if [[ -n ${BG_SLEEP:-} ]]; then
	sleep 30 &
	bgp=$!
	echo "bg $bgp"
fi
spec=$(complete -p perfan-bpf)
fn=${spec#*-F } fn=${fn%% *}
COMP_WORDS=("$@") COMP_CWORD=${CWORD:-$(($# - 1))} COMP_LINE=${LINE:-$*}
before="${COMP_WORDS[*]:0:COMP_CWORD+1}"
COMP_POINT=${#before}
[[ -n ${LINE:-} ]] && COMP_POINT=${#COMP_LINE}
"$fn" perfan-bpf "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
[[ -n ${bgp:-} ]] && kill "$bgp"
EOF
comp() { bash --norc --noprofile "$T/comp-driver" "$COMPFILE" perfan-bpf "$@" | sed '/^$/d'; }
sorted() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort | tr '\n' ' '; }
comp_is() { # description expected(space-separated, any order) words...
	local what=$1 want=$2
	shift 2
	check "complete: $what" "$(sorted "$want")" "$(comp "$@" | sort | tr '\n' ' ')"
}
comp_in_order() { # description expected(newline-separated, in order) words...
	local what=$1 want=$2
	shift 2
	check "complete: $what" "$want" "$(comp "$@")"
}
check "complete -p perfan-bpf" "complete -F _perfan_bpf perfan-bpf" \
	"$(bash --norc --noprofile -c '. "$1"; complete -p perfan-bpf' _ "$COMPFILE")"
comp_is "subcommands" "$cmds" ''
comp_is "a subcommand's prefix" "growth" gr
comp_is "perfan-bpf --pid PID is leak: leak's options and --version" \
	"$(help_opts leak) --version" --
comp_is "options after perfan-bpf --pid PID" "$(help_opts leak)" --pid 1 --
for c in $cmds; do
	if [[ $c == serve ]] && ! "$PB" --help | grep -q '^  serve '; then
		comp_is "serve's options (as docs/agent.md lists them)" "--listen --pid --trace
			--duration --interval --top --top-procs --max-request-rate --escalate --max-stacks
			--max-pages --max-procs --verbose --help" serve --
	elif [[ $c == baseline ]]; then
		comp_is "baseline save: options as its --help lists" "$(help_opts baseline)" baseline save --
	else
		comp_is "$c: options as its --help lists" "$(help_opts "$c")" "$c" --
	fi
done
comp_is "an option's prefix" "--fail-on-leak --force --format" diff x.session --f
comp_is "baseline: its verb" save baseline ''
comp_is "diff --format" "text json folded pprof svg" diff x.session --format ''
comp_is "report -f" "text json folded pprof svg html" report x.session -f ''
comp_is "check --format" "text json markdown github" check --format ''
comp_is "report --value" "live_bytes live_objects alloc_bytes alloc_objects" report x --value ''
comp_is "growth --escalate" "auto on off" growth --escalate ''
comp_is "check --fail-on w" "warning" check --fail-on w
comp_is "time --stat" "p50 mean p90 p99" time --stat ''
comp_is "serve --listen" "127.0.0.1:9464" serve --listen ''
comp_is "a number: nothing" "" leak --duration ''
# pids, in a pid namespace where exactly the driver (pid 1) and its sleep run
pidns() { unshare --pid --fork --mount-proc env BG_SLEEP=1 LINE="${LINE:-}" \
	bash --norc --noprofile "$T/comp-driver" "$COMPFILE" perfan-bpf "$@" | sed '/^$/d'; }
for words in "leak --pid" "growth -p" "mark x --pid" "time --func f -p" "serve --trace"; do
	# shellcheck disable=SC2086
	out=$(pidns $words '')
	bg=$(sed -n 's/^bg //p' <<<"$out")
	check "complete: pids for '$words' (a pid namespace: 1 and $bg)" "1 $bg" \
		"$(grep -v '^bg ' <<<"$out" | sort -n | tr '\n' ' ' | sed 's/ $//')"
done
out=$(pidns leak --pid 1)
check "complete: pids that start with 1" "1" "$(grep -v '^bg ' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
out=$(LINE="perfan-bpf leak --pid=" pidns leak --pid = '')
bg=$(sed -n 's/^bg //p' <<<"$out")
check "complete: pids after --pid=" "1 $bg" "$(grep -v '^bg ' <<<"$out" | sort -n | tr '\n' ' ' | sed 's/ $//')"
# labels of a session file: the fixture, then one with labels a shell must quote, plain and gzip
comp_in_order "diff SESSION: its labels, in order" $'start\nwarm\nloaded\nend' diff "$FIX" ''
comp_in_order "diff SESSION LABEL_A: the labels again" $'start\nwarm\nloaded\nend' diff "$FIX" start ''
comp_is "diff SESSION LABEL_A LABEL_B: nothing more" "" diff "$FIX" start end ''
comp_is "diff SESSION prefix" "warm" diff "$FIX" w
comp_is "report SESSION --label" "loaded" report "$FIX" --label l
comp_in_order "report -l before SESSION: the labels" $'start\nwarm\nloaded\nend' report -t 3 "$FIX" -l ''
{
	echo '{"type":"perfan-session","schema_version":1,"tool":"perfan-bpf","pid":7}'
	echo '{"type":"snapshot","label":"after load","seq":0,"stacks":[]}'
	echo '{"type":"stacks","stacks":[]}'
	echo '{"type":"snapshot","label":"say \"hi\"","seq":1,"stacks":[]}'
	echo '{"type":"snapshot","label":"back\\slash","seq":2,"stacks":[]}'
	echo '{"type":"snapshot","label":"t+5","seq":3,"x":{"label":"inner"}}'
	echo '{"type":"snapshot","label":"after load","seq":4,"stacks":[]}'
} >"$T/odd.session"
gzip -c "$T/odd.session" >"$T/odd.session.gz"
odd_want=$'after\\ load\nsay\\ \\"hi\\"\nback\\\\slash\nt+5'
comp_in_order "labels a shell must quote, each once" "$odd_want" diff "$T/odd.session" ''
comp_in_order "labels of a gzip session" "$odd_want" diff "$T/odd.session.gz" ''
comp_in_order "a quoted prefix of a label" 'after\ load' diff "$T/odd.session" 'after\ l'
# file names where a file is expected
mkdir -p "$T/files/sessions"
touch "$T/files/server.session" "$T/files/setup.txt" "$T/files/other"
comp_is "trend: file names" "$T/files/server.session $T/files/setup.txt $T/files/sessions" \
	trend "$T/files/se"
comp_is "report --output: file names" "$T/files/server.session $T/files/setup.txt $T/files/sessions" \
	report x --output "$T/files/se"
comp_is "check: results files" "$T/files/other" check --baseline b.json "$T/files/o"
# the command after --, with its own completion
comp "leak" -- ech | grep -qx echo && ok "complete: the command after 'leak --'" ||
	no "complete: 'leak -- ech' does not offer echo: $(comp leak -- ech | tr '\n' ' ')"
comp leak -- ls --al | grep -qx -- --all && ok "complete: that command's own options" ||
	no "complete: 'leak -- ls --al' does not offer --all: $(comp leak -- ls --al | tr '\n' ' ')"
# without bash-completion's helpers
check "complete without bash-completion: subcommands" "$(sorted "$cmds")" \
	"$(NOBC=1 comp '' | sort | tr '\n' ' ')"
check "complete without bash-completion: labels" $'start\nwarm\nloaded\nend' \
	"$(NOBC=1 comp diff "$FIX" '')"
check "complete without bash-completion: files" \
	"$(sorted "$T/files/server.session $T/files/setup.txt $T/files/sessions")" \
	"$(NOBC=1 comp trend "$T/files/se" | sort | tr '\n' ' ')"
check "complete without bash-completion: pids" "1" \
	"$(NOBC=1 comp leak --pid 1 | grep -x 1)"
# mark LABEL: the labels of the session running for --pid (wherever --pid stands)
sleep 60 &
target=$!
bg_pids+=("$target")
"$PB" leak --pid "$target" --output "$T/m.session" --interval 60 >"$T/m.out" 2>&1 &
session=$!
bg_pids+=("$session")
for _ in $(seq 100); do "$PB" mark "before load" --pid "$target" >/dev/null 2>&1 && break; sleep 0.1; done
"$PB" mark after-drain --pid "$target" >/dev/null 2>&1 || no "mark after-drain failed"
comp_in_order "mark --pid PID: the running session's labels" $'before\\ load\nafter-drain' \
	mark --pid "$target" ''
CWORD=2 comp_in_order "mark PREFIX --pid PID (--pid after the cursor)" 'after-drain' \
	mark af --pid "$target"
kill -TERM "$session"
wait "$session" 2>/dev/null
kill "$target" 2>/dev/null

# --- 5. the unit ------------------------------------------------------------------------------
unit_copy=$T/perfan-bpf.service
sed "s|/usr/sbin/perfan-bpf|$PB|" "$UNIT" >"$unit_copy"
out=$(systemd-analyze verify --man=no "$unit_copy" 2>&1)
rc=$?
[[ $rc == 0 && -z $out ]] && ok "systemd-analyze verify: no message" ||
	no "systemd-analyze verify: exit $rc: $(head -c 400 <<<"$out" | tr '\n' '|')"
exposure=$(systemd-analyze security --offline=true "$unit_copy" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
awk -v e="${exposure:-99}" 'BEGIN { exit !(e < 4.0) }' &&
	ok "systemd-analyze security: exposure $exposure (< 4.0)" ||
	no "systemd-analyze security: exposure '${exposure}', want < 4.0"
grep -q '^NoNewPrivileges=yes$' "$UNIT" && grep -q '^ProtectSystem=strict$' "$UNIT" &&
	grep -q '^ProtectHome=yes$' "$UNIT" && grep -q '^PrivateTmp=yes$' "$UNIT" &&
	grep -q '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' "$UNIT" &&
	grep -q '^MemoryMax=' "$UNIT" && grep -q '^RuntimeDirectory=perfan-bpf$' "$UNIT" &&
	ok "unit: NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, address families, MemoryMax, its socket directory" ||
	no "unit: a hardening line is missing"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
check "unit: the capability set" "CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH" "$caps"
# setpriv's spelling of a set: -all,+sys_admin,...
capspec() { local c s=-all; for c in "$@"; do c=${c#CAP_}; s+=,+${c,,}; done; echo "$s"; }
with_caps() { # "CAP_X CAP_Y" command...: as root with only these capabilities
	local spec
	# shellcheck disable=SC2086
	spec=$(capspec $1)
	shift
	setpriv --bounding-set="$spec" --inh-caps=-all -- "$@"
}
# targets of another user whose files root may not read without CAP_DAC_READ_SEARCH
chmod 711 "$T"
mkdir -p "$T/priv"
cp "$WL/grower" "$WL/leaky" "$T/priv/"
chown -R nobody:nogroup "$T/priv"
chmod 700 "$T/priv" "$T/priv/grower" "$T/priv/leaky"
as_nobody() { exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
run_growth_all() { # caps: the growth gear host-wide for a second
	with_caps "$1" "$PB" growth --duration 1 --no-output >"$T/ga.out" 2>"$T/ga.err"
}
run_growth_other() { # caps: growth of nobody's grower; 0 when its stacks are named
	rm -f "$T/go"
	(as_nobody "$T/priv/grower" grow 8 "$T/go" 30 >"$T/gr.out" 2>&1) &
	local gp=$!
	bg_pids+=("$gp")
	with_caps "$1" "$PB" growth --pid "$gp" --duration 2.5 --no-output --format json \
		--escalate off >"$T/go.json" 2>"$T/go.err" &
	local pp=$!
	# the grower grows once the probes are attached (or the profiler gave up)
	for _ in $(seq 100); do
		grep -q "growth of pid" "$T/go.err" 2>/dev/null || ! kill -0 "$pp" 2>/dev/null && break
		sleep 0.1
	done
	touch "$T/go"
	wait "$pp"
	kill "$gp" 2>/dev/null
	wait "$gp" 2>/dev/null
	jq -e '[.. | .function? | select(. == "leak_a" or . == "leak_b")] | length > 0' \
		"$T/go.json" >/dev/null 2>&1
}
run_leak_root() { # caps: exact tracing of root's shell (full capabilities) for a second
	with_caps "$1" "$PB" leak --pid $$ --duration 1 --no-output >"$T/lr.out" 2>"$T/lr.err"
}
run_leak_other() { # caps: exact tracing of nobody's leaky, its executable in a directory a
	# tmpfs hides from the profiler's mount namespace (as ProtectHome= hides /home); 0 when its
	# 22796 live bytes are counted and its leak functions named
	rm -f "$T/ready"
	(as_nobody "$T/priv/leaky" -w -h 3 >"$T/ready" 2>&1) &
	local lp=$!
	bg_pids+=("$lp")
	for _ in $(seq 50); do grep -q READY "$T/ready" 2>/dev/null && break; sleep 0.1; done
	# shellcheck disable=SC2086
	unshare -m --propagation private sh -c 'mount -t tmpfs none "$1" && shift && exec "$@"' _ \
		"$T/priv" setpriv --bounding-set="$(capspec $1)" --inh-caps=-all -- \
		"$PB" leak --pid "$lp" --duration 3 --no-output --format json >"$T/lo.json" 2>"$T/lo.err" &
	local pp=$!
	# the allocations start once the probes are attached (or the profiler gave up)
	for _ in $(seq 100); do
		grep -q "tracing pid" "$T/lo.err" 2>/dev/null || ! kill -0 "$pp" 2>/dev/null && break
		sleep 0.1
	done
	kill -USR1 "$lp"
	wait "$pp"
	wait "$lp" 2>/dev/null
	jq -e '.totals.live_bytes == 22796 and
		([.. | .function? | select(. == "leak_malloc" or . == "leak_valloc")] | length >= 2)' \
		"$T/lo.json" >/dev/null 2>&1
}
err_of() { grep -hv 'Ctrl-C\|^$' "$@" 2>/dev/null | head -c 300 | tr '\n' '|'; }
run_growth_all "$caps" && ok "unit's capabilities: the growth gear host-wide" ||
	no "unit's capabilities: growth host-wide failed: $(err_of "$T/ga.err")"
run_growth_other "$caps" && ok "unit's capabilities: growth of another user's process, stacks named" ||
	no "unit's capabilities: growth of nobody's grower: no named stack: $(err_of "$T/go.err")"
run_leak_root "$caps" && ok "unit's capabilities: exact tracing of a root process" ||
	no "unit's capabilities: leak --pid \$\$ failed: $(err_of "$T/lr.err")"
run_leak_other "$caps" &&
	ok "unit's capabilities: exact tracing of another user's process (hidden executable): 22796 live bytes, named" ||
	no "unit's capabilities: leak of nobody's leaky: $(jq -c '.totals.live_bytes' "$T/lo.json" 2>/dev/null) $(err_of "$T/lo.err")"
# each capability is needed: without it, one of the runs fails
for c in $caps; do
	less=$(tr ' ' '\n' <<<"$caps" | grep -vx "$c" | tr '\n' ' ')
	if ! run_leak_root "$less"; then
		ok "$c is needed: without it, leak --pid of a root process fails: $(err_of "$T/lr.err")"
	elif ! run_leak_other "$less"; then
		ok "$c is needed: without it, another user's process is not traced whole"
	elif ! run_growth_other "$less"; then
		ok "$c is needed: without it, another user's growth stacks are not named"
	else
		no "$c is not needed: every run passes without it"
	fi
done
# every system call of the growth gear, exact tracing and serve is in the unit's SystemCallFilter
filter=$(sed -n 's/^SystemCallFilter=//p' "$UNIT")
declare -A group allowed
while read -r g m; do group[$g]+=" $m"; done < <(systemd-analyze syscall-filter --no-pager 2>/dev/null |
	awk '/^@/ { g = $1; next } /^[^ ]/ { g = "" } /^ +[@a-z_0-9]/ && g != "" { print g, $1 }')
expand() { local x; for x in $1; do if [[ $x == @* ]]; then expand "${group[$x]:-}"; else allowed[$x]=1; fi; done; }
expand "$filter"
((${#allowed[@]} > 100)) && ok "SystemCallFilter expands to ${#allowed[@]} system calls" ||
	no "SystemCallFilter '$filter' expands to ${#allowed[@]} system calls"
syscalls_of() { # strace log: the system calls made after perfan-bpf's exec
	awk '/execve\(".*perfan-bpf"/ { on = 1 } on' "$1" | sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' | sort -u
}
strace -f -qq -o "$T/st1" setpriv --bounding-set="$(capspec $caps)" --inh-caps=-all -- \
	"$PB" growth --duration 1 --no-output >/dev/null 2>&1
strace -f -qq -o "$T/st2" setpriv --bounding-set="$(capspec $caps)" --inh-caps=-all -- \
	"$PB" leak --pid $$ --duration 1 --no-output >/dev/null 2>&1
logs=("$T/st1" "$T/st2")
if "$PB" --help | grep -q '^  serve '; then
	port=$((20000 + RANDOM % 20000))
	strace -f -qq -o "$T/st3" setpriv --bounding-set="$(capspec $caps)" --inh-caps=-all -- \
		"$PB" serve --listen "127.0.0.1:$port" --duration 4 >"$T/serve.out" 2>"$T/serve.err" &
	sp=$!
	bg_pids+=("$sp")
	code=000
	for _ in $(seq 30); do
		code=$(curl -s -o "$T/metrics" -w '%{http_code}' "http://127.0.0.1:$port/metrics" 2>/dev/null)
		[[ $code == 200 ]] && break
		sleep 0.2
	done
	check "serve with the unit's capabilities answers /metrics $(err_of "$T/serve.err")" 200 "$code"
	wait "$sp"
	logs+=("$T/st3")
else
	echo "note: this build has no 'serve' yet: its system calls are not checked"
fi
outside=''
for l in "${logs[@]}"; do
	for s in $(syscalls_of "$l"); do [[ -n ${allowed[$s]:-} ]] || outside+=" $s"; done
done
n_calls=$(for l in "${logs[@]}"; do syscalls_of "$l"; done | sort -u | wc -l)
((n_calls > 20)) && check "the $n_calls system calls of growth, leak (and serve) are in the SystemCallFilter" "" "$outside" ||
	no "strace saw $n_calls system calls: $(head -c 300 "$T/st1" | tr '\n' '|')"

# --- 6. the .deb ------------------------------------------------------------------------------
wait "$deb_pid"
rc=$?
deb=$(ls "$T"/src/.output/deb/perfan-bpf_"$v_main"_*.deb 2>/dev/null | head -n1)
[[ $rc == 0 && -f $deb ]] && ok "make deb (dpkg-buildpackage, out of tree): $(basename "$deb")" ||
	no "make deb: exit $rc: $(tail -n 5 "$T/deb.log" | tr '\n' '|') $(tail -n 15 "$T/src/.output/deb/build.log" 2>/dev/null | tr '\n' '|')"
lint=$T/src/.output/deb/lintian.log
if [[ -f $lint ]]; then
	check "lintian: no error" "" "$(grep '^E: ' "$lint")"
	grep -E '^[WI]: ' "$lint" | sed 's/^/note: lintian: /'
else
	no "lintian did not run (no $lint)"
fi
check "make deb left the checkout alone" "" "$(cd "$ROOT" && ls -d debian/perfan-bpf debian/files \
	debian/.debhelper debian/debhelper-build-stamp debian/perfan-bpf.substvars debian/tmp \
	../perfan-bpf_"$v_main"* 2>/dev/null)"
[[ -n $pre_installed ]] && echo "note: perfan-bpf was installed before ($pre_installed): replaced and purged"
if [[ -f $deb ]]; then
	installed_pkg=1
	dpkg -i "$deb" >"$T/dpkg.out" 2>&1
	check "dpkg -i: exit 0 $(tail -n 3 "$T/dpkg.out" | tr '\n' '|')" 0 $?
	check "dpkg: installed, version $v_main" "install ok installed $v_main" \
		"$(dpkg-query -W -f='${Status} ${Version}' perfan-bpf 2>/dev/null)"
	for f in /usr/sbin/perfan-bpf /usr/share/man/man8/perfan-bpf.8.gz /usr/include/perfan.h \
		/usr/share/bash-completion/completions/perfan-bpf /lib/systemd/system/perfan-bpf.service \
		/etc/default/perfan-bpf /usr/share/doc/perfan-bpf/copyright /usr/share/doc/perfan-bpf/security.md.gz; do
		dpkg -L perfan-bpf | grep -qx "$f" && [[ -e $f ]] && ok "deb: $f" || no "deb: no $f"
	done
	check "deb: /usr/sbin/perfan-bpf --version" "perfan-bpf $v_main" "$(/usr/sbin/perfan-bpf --version)"
	[[ -L /etc/systemd/system/multi-user.target.wants/perfan-bpf.service ]] &&
		no "deb: the unit was enabled on install" || ok "deb: the unit is installed, not enabled"
	out=$(systemd-analyze verify /lib/systemd/system/perfan-bpf.service 2>&1)
	rc=$?
	[[ $rc == 0 && -z $out ]] && ok "systemd-analyze verify of the installed unit (man page and binary found)" ||
		no "systemd-analyze verify /lib/systemd/system/perfan-bpf.service: exit $rc: $(head -c 300 <<<"$out" | tr '\n' '|')"
	check "deb: bash-completion loads the installed completion on demand" \
		"complete -F _perfan_bpf perfan-bpf" \
		"$(bash --norc --noprofile -c '. /usr/share/bash-completion/bash_completion
			__load_completion perfan-bpf && complete -p perfan-bpf' 2>&1)"
	man -w perfan-bpf >/dev/null 2>&1 && ok "deb: man -w perfan-bpf" || no "deb: man finds no perfan-bpf"
	# the installed binary runs the growth gear and the demo (tools/run-demo's leaking server)
	/usr/sbin/perfan-bpf growth --duration 1 --no-output >"$T/dg.out" 2>"$T/dg.err"
	rc=$?
	[[ $rc == 0 ]] && grep -q '^Final growth report' "$T/dg.out" &&
		ok "deb: /usr/sbin/perfan-bpf growth --duration 1 --no-output" ||
		no "deb: growth: exit $rc: $(err_of "$T/dg.err")"
	/usr/sbin/perfan-bpf leak --no-output --top 3 -- "$DEMO" -t 3 >"$T/dl.out" 2>"$T/dl.err"
	rc=$?
	[[ $rc == 0 ]] && grep -q '^Final report' "$T/dl.out" && grep -q 'open_session' "$T/dl.out" &&
		ok "deb: /usr/sbin/perfan-bpf leak -- demo_server: the leak in open_session found" ||
		no "deb: the demo: exit $rc: $(head -c 300 "$T/dl.out" | tr '\n' '|') $(err_of "$T/dl.err")"
	dpkg -r perfan-bpf >"$T/dpkg.out" 2>&1
	check "dpkg -r: exit 0 $(tail -n 3 "$T/dpkg.out" | tr '\n' '|')" 0 $?
	[[ ! -e /usr/sbin/perfan-bpf && ! -e /lib/systemd/system/perfan-bpf.service ]] &&
		ok "dpkg -r: the binary and the unit are gone" || no "dpkg -r left files behind"
	dpkg -P perfan-bpf >/dev/null 2>&1
	installed_pkg=0
	[[ ! -e /etc/default/perfan-bpf ]] && ! dpkg-query -W perfan-bpf >/dev/null 2>&1 &&
		ok "dpkg -P: nothing left" || no "dpkg -P left /etc/default/perfan-bpf or the package"
fi
finish
