#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What becomes of allocations walked before their files' unwind rows were in (`make
# bench-early`, or tools/bench/early.sh): Debian's python3 (-O2, no frame pointers) importing a
# dozen extension modules, launched (`leak -- python3 -c ...`), and a 7 s `leak --all` session
# while python3 runs twice and sqlite3 once. Printed per run: the stacks left truncated, of
# how many; the allocations walked early; of those walked again whole in user space and not
# (docs/leak.md, "walked again"); the provisional stacks left and their objects. REF=DIR runs a
# built tree from before (e.g. git worktree add /tmp/pb-ref 394d60e && make -C /tmp/pb-ref -j2)
# in the same rounds. RUNS rounds (default 2). Needs root, sqlite3.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-2}
PB=$PWD/perfan-bpf
REF=${REF:-}
PY=/usr/bin/python3 # Debian's (a python3 earlier in PATH may be a shell wrapper, pyenv's)
[[ -x $PB ]] || { echo "early bench: run make first" >&2; exit 2; }
[[ $EUID == 0 ]] || { echo "early bench: needs root (it traces)" >&2; exit 2; }
[[ -z $REF || -x $REF/perfan-bpf ]] || { echo "early bench: no $REF/perfan-bpf" >&2; exit 2; }
for t in "$PY" sqlite3; do
	command -v "$t" >/dev/null || { echo "early bench: missing $t" >&2; exit 2; }
done
T=$(mktemp -d /tmp/perfan-bench-early.XXXXXX)
trap 'rm -rf "$T"' EXIT
IMPORTS='import ssl, sqlite3, json, decimal, ctypes, hashlib; sqlite3.connect(":memory:").execute("create table t(x)")'

summary() { # json: one line
	jq -r '"truncated \(.truncated_stacks) of \(.stacks | length) stacks; early \(.code.early_walks // 0), walked again \(.code.rewalked // "-"), not \(.code.not_rewalked // "-"); left \(.code.left_stacks // 0) stacks (\(.code.left_objects // 0) objects)"' "$1"
}

launch() { # binary
	timeout 120 "$1" leak --format json --no-output -- "$PY" -c "$IMPORTS" >"$T/l.json" 2>"$T/l.err" ||
		{ echo "failed: $(tail -n1 "$T/l.err")"; return; }
	summary "$T/l.json"
}

all() { # binary
	"$1" leak --all --duration 7 --format json --no-output >"$T/a.json" 2>"$T/a.err" &
	local pb=$!
	sleep 3
	"$PY" -c "$IMPORTS"
	echo 'create table t(a); insert into t values(1); select * from t;' | sqlite3 :memory: >/dev/null
	"$PY" -c 'import ssl, sqlite3, json, decimal'
	wait "$pb" || { echo "failed: $(tail -n1 "$T/a.err")"; return; }
	summary "$T/a.json"
}

for ((r = 1; r <= RUNS; r++)); do
	for b in "$PB" ${REF:+"$REF/perfan-bpf"}; do
		name=this
		[[ $b == "$PB" ]] || name=ref
		echo "round $r $name launch: $(launch "$b")"
		echo "round $r $name --all:  $(all "$b")"
	done
done
echo "commands: $PB leak --format json --no-output -- $PY -c '$IMPORTS'"
echo "          $PB leak --all --duration 7 --format json --no-output (python3 twice, sqlite3 once meanwhile)"
