#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Symbolization benchmark (`make bench-symbols`): a generated C program with N functions
# (default 30,000) in one compile unit, built -O2 -g with inlining; 10,000 distinct addresses
# inside its functions; then, on the same addresses in the same run:
#   perfan-bpf's symbolizer (.output/bench_symbols, linked with libperfan.a), cold and warm,
#   binutils `addr2line -i -f -e`, elfutils `eu-addr2line -i -f -e`
# with wall time and peak RSS of each, the ratios, and the targets (<= 100 ms warm, <= 1 s
# cold, faster than both tools). eu-addr2line is stopped after EU_TIMEOUT seconds (default 600).
# Also checks that perfan-bpf and addr2line agree on the innermost function and line.
set -u
cd "$(dirname "$0")/../.."
FUNCS=${FUNCS:-30000}
ADDRS=${ADDRS:-10000}
EU_TIMEOUT=${EU_TIMEOUT:-600}
DRIVER=$PWD/.output/bench_symbols
[[ -x $DRIVER ]] || { echo "bench-symbols: build $DRIVER first (make bench-symbols)" >&2; exit 2; }
for t in addr2line eu-addr2line /usr/bin/time python3; do
	command -v "$t" >/dev/null || { echo "bench-symbols: missing $t (tools/install-deps.sh)" >&2; exit 2; }
done
T=$(mktemp -d /tmp/perfan-bench-sym.XXXXXX)
trap 'rm -rf "$T"' EXIT

# every function calls a static inline helper (inlined: DW_TAG_inlined_subroutine) and the
# next function (a call site with a line)
python3 - "$FUNCS" >"$T/big.c" <<'PY'
import sys
n = int(sys.argv[1])
print("#include <stdlib.h>\nvolatile int sink;")
print("static inline __attribute__((always_inline)) int helper(int x) { sink += x; return x * 3 + sink; }")
for i in range(n):
    nxt = f"f{i+1}(x - 1)" if i + 1 < n else "0"
    if i + 1 < n:
        print(f"int f{i+1}(int x);")
    print(f"__attribute__((noinline)) int f{i}(int x)\n{{\n\tif (x <= 0)\n\t\treturn helper(x);\n\tint y = helper(x + {i});\n\treturn y + {nxt};\n}}")
print("int main(int argc, char **argv) { (void)argv; return f0(argc); }")
PY
cc -O2 -g -fno-omit-frame-pointer -o "$T/big" "$T/big.c" || exit 1
# distinct addresses inside the functions: function start + a spread of offsets
nm -S --defined-only "$T/big" | awk '$3 ~ /[tT]/ && $4 ~ /^f[0-9]+$/ {print $1, $2}' >"$T/funcs"
python3 - "$T/funcs" "$ADDRS" >"$T/addrs" <<'PY'
import sys, random
random.seed(42)
fs = [tuple(int(x, 16) for x in l.split()) for l in open(sys.argv[1])]
want = int(sys.argv[2]); seen = set()
while len(seen) < want:
    a, s = random.choice(fs)
    seen.add(a + random.randrange(max(s, 1)))
for a in sorted(seen, key=lambda _: random.random()):
    print(hex(a))
PY
size=$(stat -c %s "$T/big")
echo "binary: $FUNCS functions, $(wc -l <"$T/addrs") distinct addresses, $((size / 1024)) KiB with DWARF"

measure() { # name outfile command... -> "seconds max_rss_kib" in $T/name.m
	local name=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$T/$name.m" "$@" >"$out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
# cold: the page cache is dropped for the binary first when we may (root), so the first
# read comes from disk, as for a module never read before
sync; [[ $EUID == 0 ]] && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
measure perfan "$T/perfan.out" "$DRIVER" -o "$T/perfan.frames" "$T/big" "$T/addrs"
# both tools read the addresses from stdin, one a line
measure addr2line "$T/addr2line.out" bash -c "addr2line -i -f -e '$T/big' <'$T/addrs'"
measure eu "$T/eu.out" timeout "$EU_TIMEOUT" bash -c "eu-addr2line -i -f -e '$T/big' <'$T/addrs'"

read -r p_total p_rss <"$T/perfan.m"
cold=$(sed -n 's/^cold_s //p' "$T/perfan.out")
warm=$(sed -n 's/^warm_s //p' "$T/perfan.out")
frames=$(sed -n 's/^frames_warm //p' "$T/perfan.out")
read -r a_s a_rss <"$T/addr2line.m"
read -r e_s e_rss <"$T/eu.m"
e_note=""
[[ $(cat "$T/eu.rc") == 124 ]] && e_note=" (stopped at the ${EU_TIMEOUT} s limit: at least this)"
printf '%-28s %10s %12s\n' "" "seconds" "max RSS MiB"
printf '%-28s %10.4f %12.1f\n' "perfan-bpf cold (open+index)" "$cold" "$(echo "$p_rss / 1024" | bc -l)"
printf '%-28s %10.4f %12s\n' "perfan-bpf warm" "$warm" "-"
printf '%-28s %10.2f %12.1f\n' "addr2line -i -f" "$a_s" "$(echo "$a_rss / 1024" | bc -l)"
printf '%-28s %10.2f %12.1f%s\n' "eu-addr2line -i -f" "$e_s" "$(echo "$e_rss / 1024" | bc -l)" "$e_note"
echo "frames (inlined expanded): $frames for $(wc -l <"$T/addrs") addresses"
python3 - "$cold" "$warm" "$a_s" "$e_s" <<'PY'
import sys
cold, warm, a, e = map(float, sys.argv[1:])
r = lambda x, y: f"{x / y:.0f}x" if y > 0 else "inf"
print(f"ratios: addr2line/perfan-cold {r(a, cold)}, eu-addr2line/perfan-cold {r(e, cold)}, "
      f"addr2line/perfan-warm {r(a, warm)}, eu-addr2line/perfan-warm {r(e, warm)}")
ok = warm <= 0.1 and cold <= 1.0 and cold < a and cold < e
print(f"targets: warm {warm*1000:.1f} ms <= 100 ms: {'met' if warm <= 0.1 else 'MISSED'}; "
      f"cold {cold*1000:.0f} ms <= 1000 ms: {'met' if cold <= 1.0 else 'MISSED'}; "
      f"faster than both tools: {'yes' if cold < a and cold < e else 'NO'}")
sys.exit(0 if ok else 1)
PY
rc=$?
# agreement with addr2line, frame by frame (inlined chains included): function and file:line
python3 - "$T/perfan.frames" "$T/addr2line.out" <<'PY'
import os, re, sys
ours = [l.split(" ", 1) for l in open(sys.argv[1]).read().splitlines()]
ours = [(f, os.path.basename(loc)) for f, loc in ours]
lines = open(sys.argv[2]).read().splitlines()
theirs = [(lines[i], os.path.basename(re.sub(r" \(discriminator \d+\)", "", lines[i + 1])))
          for i in range(0, len(lines) - 1, 2)]
same = sum(1 for a, b in zip(ours, theirs) if a == b)
print(f"agreement with addr2line: {same} of {len(theirs)} frames identical "
      f"(ours: {len(ours)} frames)")
PY
exit $rc
