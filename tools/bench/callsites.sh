#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cold path of a traced run with many stacks (issue 15), end to end: a generated C program
# with N distinct leaking call sites (default 30,000: f0..fN-1, each mallocs once and keeps it,
# called in turn from main through a table), run as
#   perfan-bpf leak --top 100000 --format json --output S -- big
# (attach, trace, symbolize every stack, write the session file and the JSON report, detach),
# against references in the same run:
#   empty       the same command on a program that allocates nothing (attach and detach alone)
#   addr2line   binutils `addr2line -i -f -e big` on the same call sites (the addresses of big's
#               frames in the report), the cost of symbolizing them alone
#   REF=DIR     the same command with another build (DIR/perfan-bpf), e.g. the last commit:
#               git worktree add /tmp/pb-ref HEAD && make -C /tmp/pb-ref -j2
# RUNS rounds (default 3), each running every configuration once, in turn; medians of wall
# time and maximum RSS. The target of issue 15: the traced run <= 3x addr2line.
# The program takes about a minute to compile; it is kept in .output/callsites/ for the next
# run. Needs root.
set -u
cd "$(dirname "$0")/../.."
N=${1:-30000}
RUNS=${RUNS:-3}
PB=$PWD/perfan-bpf
REF=${REF:-}
D=$PWD/.output/callsites
[[ -x $PB ]] || { echo "callsites bench: run make first" >&2; exit 2; }
[[ $EUID == 0 ]] || { echo "callsites bench: needs root (it traces)" >&2; exit 2; }
for t in addr2line /usr/bin/time python3 cc; do
	command -v "$t" >/dev/null || { echo "callsites bench: missing $t" >&2; exit 2; }
done
[[ -z $REF || -x $REF/perfan-bpf ]] || { echo "callsites bench: no $REF/perfan-bpf" >&2; exit 2; }
T=$(mktemp -d /tmp/perfan-bench-callsites.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$D"

# non-PIE, so that the addresses in the report are the ones addr2line takes
python3 - "$N" >"$T/big.c" <<'PY'
import sys
n = int(sys.argv[1])
print("#include <stdlib.h>\nvoid *keep[%d];" % max(n, 1))
for i in range(n):
    print(f"__attribute__((noinline)) void f{i}(void) {{ keep[{i}] = malloc({16 + (i & 7) * 8}); }}")
print("static void (*const fns[])(void) = {" + ",".join(f"f{i}" for i in range(n)) + "};")
print("int main(void)\n{\n\tfor (unsigned i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)\n"
      "\t\tfns[i]();\n\treturn 0;\n}")
PY
BIG=$D/big-$N
if ! cmp -s "$T/big.c" "$BIG.c" || [[ ! -x $BIG ]]; then
	echo "building the program of $N call sites (about a minute; kept in $D)"
	cp "$T/big.c" "$BIG.c"
	cc -O2 -g -fno-omit-frame-pointer -no-pie -o "$BIG" "$BIG.c" || exit 1
fi
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$T/empty.c"
cc -O2 -g -fno-omit-frame-pointer -no-pie -o "$T/empty" "$T/empty.c" || exit 1

measure() { # name outfile command...: "seconds max_rss_kib" appended to $T/name.m
	local name=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$out" 2>"$T/$name.err" ||
		{ echo "callsites bench: $name failed: $(tail -2 "$T/$name.err")" >&2; exit 1; }
	cat "$T/time" >>"$T/$name.m"
}
trace() { # name binary program
	rm -f "$T/s.session"
	measure "$1" "$T/$1.json" "$2" leak --top 100000 --format json --output "$T/s.session" \
		-- "$3"
	stat -c %s "$T/s.session" >"$T/$1.session_bytes"
}
for ((r = 0; r < RUNS; r++)); do
	trace perfan "$PB" "$BIG"
	if ((r == 0)); then
		# the call sites: every address of big's frames in the report
		python3 - "$T/perfan.json" "$BIG" >"$T/addrs" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
addrs = {f["address"] for s in doc["stacks"] for f in s["frames"] if f["module"] == sys.argv[2]}
print("\n".join(sorted(addrs)))
print(f"{len(doc['stacks'])} stacks, {len(addrs)} distinct addresses in the program",
      file=sys.stderr)
PY
	fi
	[[ -n $REF ]] && trace ref "$REF/perfan-bpf" "$BIG"
	trace empty "$PB" "$T/empty"
	measure addr2line "$T/a2l.out" addr2line -i -f -e "$BIG" <"$T/addrs"
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { cut -d' ' -f"$2" "$T/$1.m" | median; }
echo "program: $N call sites; $(wc -l <"$T/addrs") addresses for addr2line; medians of $RUNS runs"
printf '%-44s %8s %12s %10s %10s\n' "" "seconds" "max RSS MiB" "report" "session"
row() { # name label
	local extra=("" "")
	[[ -e $T/$1.json ]] && extra=("$(numfmt --to=iec "$(stat -c %s "$T/$1.json")")B"
		"$(numfmt --to=iec "$(cat "$T/$1.session_bytes")")B")
	printf '%-44s %8.2f %12.0f %10s %10s\n' "$2" "$(col "$1" 1)" \
		"$(echo "$(col "$1" 2) / 1024" | bc -l)" "${extra[@]}"
}
row perfan "perfan-bpf leak --format json (this build)"
[[ -n $REF ]] && row ref "perfan-bpf leak --format json (REF)"
row empty "the same on a program without call sites"
row addr2line "addr2line -i -f on the same call sites"
python3 - "$(col perfan 1)" "$(col addr2line 1)" "$(col empty 1)" "${REF:+$(col ref 1)}" <<'PY'
import sys
p, a, e = map(float, sys.argv[1:4])
ref = float(sys.argv[4]) if sys.argv[4] else None
print(f"ratio traced run / addr2line: {p / a:.1f}x (target <= 3x: {'met' if p <= 3 * a else 'MISSED'}); "
      f"without the fixed cost of attach and detach (the empty run): {max(p - e, 0) / a:.1f}x")
if ref:
    print(f"this build / REF: {p / ref:.2f}x ({ref:.2f} s -> {p:.2f} s)")
PY
