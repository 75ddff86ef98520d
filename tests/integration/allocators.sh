#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of allocators beyond glibc's malloc: the real perfan-bpf with real BPF
# against tests/workloads/alloc/ built for each allocator Debian packages (Makefile: the
# alloc_leaks_* rules): glibc (the baseline), jemalloc (libjemalloc2), tcmalloc
# (libtcmalloc-minimal4), mimalloc (libmimalloc2.0), a static binary, jemalloc linked into the
# executable, and jemalloc linked in under the je_ prefix beside glibc's malloc. Every leak must
# count once, with the size asked for, at the function and file:line of its call (the lines
# taken from the source); everything churned must be freed, and nothing lost. The C++ builds
# (but mimalloc's, which aborts) also run oom(): operator new throwing std::bad_alloc, caught,
# 6 times, while jemalloc's and tcmalloc's operators are probed (on their return instructions:
# an exception cannot unwind through a uretprobe): the program must behave as untraced and
# every count stay exact. The static binary (no .eh_frame_hdr) must give whole stacks, read
# from its .eh_frame. Needs root; never skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WLD=$PWD/.output/workloads
SRC_C=$PWD/tests/workloads/alloc/alloc_leaks.c
SRC_CXX=$PWD/tests/workloads/alloc/alloc_leaks_cxx.cc
. tests/integration/lib.sh allocators

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
VARIANTS=(glibc jemalloc tcmalloc mimalloc static jestatic jeprefix)
for v in "${VARIANTS[@]}"; do
	[[ -x $WLD/alloc_leaks_$v ]] || { no "missing $WLD/alloc_leaks_$v: run make first"; finish; }
done
[[ -x $PB ]] || { no "missing $PB: run make first"; finish; }

# the line of a source holding a text (exactly one)
line_of() { # file text
	local n
	n=$(grep -nF -- "$2" "$1" | cut -d: -f1)
	[[ $n =~ ^[0-9]+$ ]] || { echo "no single line of $1 holds '$2'" >&2; echo 0; return; }
	echo "$n"
}

# "live_bytes live_objects alloc_objects" summed over the stacks whose first frame in the
# workload source FILE (a base name) is FUNC at LINE ("" LINE: any line)
site() { # json file func line
	jq -r --arg file "$2" --arg fn "$3" --arg line "$4" '
	  [.stacks[] | ([.frames[] | select((.file // "") | endswith("/" + $file))][0]) as $f
	   | select($f != null and $f.function == $fn and ($line == "" or $f.line == ($line | tonumber)))]
	  | "\(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0) \(map(.alloc_objects) | add // 0)"' "$1" 2>/dev/null
}

# The C half's leaks: function, text of the allocating line, live bytes, live objects, allocated
# objects (a realloc also counts the block it grew). Which apply depends on the build.
C_LEAKS="leak_malloc|sink = A(malloc)(100);|400 4 4
leak_calloc|sink = A(calloc)(5, 20);|300 3 3
leak_realloc|sink = A(realloc)(A(malloc)(10), 1000);|2000 2 4
leak_reallocarray|sink = reallocarray(NULL, 3, 50);|300 2 2
leak_posix_memalign|if (!A(posix_memalign)(&p, 64, 200))|400 2 2
leak_aligned_alloc|sink = A(aligned_alloc)(128, 256);|256 1 1
leak_memalign|sink = A(memalign)(32, 96);|96 1 1
leak_valloc|sink = A(valloc)(5000);|5000 1 1
leak_strdup|sink = strdup(\"fifteen chars!!\");|48 3 3
leak_mallocx|sink = A(mallocx)(700, 0);|1400 2 2
leak_rallocx|sink = A(rallocx)(A(mallocx)(10, 0), 900, 0);|900 1 2
leak_libc|sink = malloc(333);|666 2 2"
CXX_LEAKS="leak_new()|sink = new Obj;|192 4 4
leak_new_array()|sink = new char[300];|600 2 2
leak_new_nothrow()|sink = new (std::nothrow) char[70];|140 2 2
leak_new_aligned()|sink = ::operator new(100, std::align_val_t(64));|300 3 3
leak_new_aligned_array()|sink = ::operator new[](200, std::align_val_t(128));|200 1 1
leak_malloc()|sink = malloc(555);|555 1 1"

# whether a C leak applies to a build
c_leak_in() { # variant function
	case $2 in
	leak_reallocarray) [[ $1 != jeprefix ]] ;;
	leak_mallocx | leak_rallocx) [[ $1 == jemalloc || $1 == jestatic || $1 == jeprefix ]] ;;
	leak_libc) [[ $1 == jeprefix ]] ;;
	*) true ;;
	esac
}

# the module the tracing line must name, as a grep pattern
declare -A THROUGH=(
	[glibc]="libc\.so\.6, .*libstdc++\.so\.6[.0-9]* (aligned operator new);"
	[jemalloc]="libjemalloc\.so\.2;"
	[tcmalloc]="libtcmalloc_minimal\.so\.4[.0-9]*;"
	[mimalloc]="libmimalloc\.so\.2[.0-9]*;"
	[static]="/alloc_leaks_static;"
	[jestatic]="/alloc_leaks_jestatic;"
	[jeprefix]="libc\.so\.6, .*/alloc_leaks_jeprefix (je_malloc);"
)
# the C half's churn: 200 rounds of 10 allocations (strdup, realloc's first block included), 9
# without reallocarray, 4 more with jemalloc's API, 1 more through glibc's malloc beside je_
# (static: strdup's caller is found too, by the rows of its .eh_frame)
declare -A USABLE=([glibc]="416 312 2000" [static]="416 312 2000" [jemalloc]="448 336 2048"
	[jestatic]="448 336 2048" [jeprefix]="448 336 2048" [tcmalloc]="null null null"
	[mimalloc]="null null null")
declare -A C_CHURN=([glibc]=2000 [jemalloc]=2800 [tcmalloc]=2000 [mimalloc]=2000 [static]=2000
	[jestatic]=2800 [jeprefix]=2800)

# oom()'s leaks (tests/workloads/alloc/alloc_leaks_cxx.cc): made at the call site and stack
# position an exception has just left. The new-expression's line also allocated the 3 bad_alloc
# objects its failures threw (freed by the handlers)
OOM_LEAKS="oom_same_site()|sink = new char[i % 2 ? 40 : huge];|120 3 6
oom_same_site()|sink = malloc(24);|72 3 3"
# operator new calls an exception left (counted as pending_returns: the allocator's own operators
# are probed, and 2 of oom()'s and 3 of oom_same_site()'s throw); bad_alloc objects allocated
# (libstdc++'s nothrow aligned new throws and catches one inside)
declare -A OOM_PENDING=([glibc]=0 [static]=0 [jemalloc]=5 [tcmalloc]=5)
declare -A OOM_EXCEPTIONS=([glibc]=6 [static]=6 [jemalloc]=5 [tcmalloc]=5)

for v in "${VARIANTS[@]}"; do
	j=$T/$v.json
	# operator new throws std::bad_alloc, caught: as untraced (mimalloc aborts instead)
	args=()
	[[ -n ${OOM_PENDING[$v]:-} ]] && args=(oom)
	timeout 60 "$PB" leak --format json --no-output -- "$WLD/alloc_leaks_$v" "${args[@]}" \
		>"$j" 2>"$T/$v.err"
	check "$v: exit status" 0 $?
	if [[ ${#args[@]} != 0 ]]; then
		check "$v: 2^62 bytes through new (6 times), nothrow aligned new, aligned new: failed as untraced" \
			1 "$(grep -c '^oom: caught 6$' "$T/$v.err")"
		check "$v: no warning (returns of every throwing operator found)" "" \
			"$(grep 'warning' "$T/$v.err")"
		check "$v: operator new calls left by an exception (pending_returns)" \
			"${OOM_PENDING[$v]}" "$(jq '.lost.pending_returns' "$j")"
		check "$v: bad_alloc objects: all allocated counted, all freed" \
			"0 0 ${OOM_EXCEPTIONS[$v]}" "$(jq -r '[.stacks[] | select(.frames[0].function == "__cxa_allocate_exception")]
			  | "\(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0) \(map(.alloc_objects) | add // 0)"' "$j")"
		while IFS='|' read -r fn text want; do
			line=$(line_of "$SRC_CXX" "$text")
			check "$v: $fn after a throw (alloc_leaks_cxx.cc:$line) live bytes, objects, allocated" \
				"$want" "$(site "$j" alloc_leaks_cxx.cc "$fn" "$line")"
		done <<<"$OOM_LEAKS"
		check "$v: nothing else lost" 0 "$(jq '.lost | del(.pending_returns) | [.[]] | add' "$j")"
	else
		check "$v: nothing lost" 0 "$(jq '[.lost[]] | add' "$j")"
	fi
	if grep -q "^perfan-bpf: tracing pid [0-9]* through .*${THROUGH[$v]}" "$T/$v.err"; then
		ok "$v: traced through $(sed -n 's/^perfan-bpf: tracing pid [0-9]* through \(.*\); Ctrl-C.*/\1/p' "$T/$v.err")"
	else
		no "$v: no tracing line matching '${THROUGH[$v]}': $(grep tracing "$T/$v.err")"
	fi
	while IFS='|' read -r fn text want; do
		c_leak_in "$v" "$fn" || continue
		line=$(line_of "$SRC_C" "$text")
		check "$v: $fn (alloc_leaks.c:$line) live bytes, objects, allocated" "$want" \
			"$(site "$j" alloc_leaks.c "$fn" "$line")"
	done <<<"$C_LEAKS"
	check "$v: C churn: all freed" "0 0 ${C_CHURN[$v]}" "$(site "$j" alloc_leaks.c churn "")"
	# the usable size of 4 x malloc(100), 3 x calloc(5, 20), 2 x realloc(.., 1000): glibc's
	# chunks (104, 104, 1000 each), jemalloc's size classes (112, 112, 1024); the others' not
	# known (null)
	check "$v: usable bytes of malloc's, calloc's and realloc's leaks" "${USABLE[$v]}" \
		"$(jq -r '[.stacks[] | select(.live_bytes > 0)] as $s | ["leak_malloc", "leak_calloc", "leak_realloc"]
		  | map(. as $f | [$s[] | select(.frames[0].function == $f) | .live_usable_bytes]
			| if any(. == null) then "null" else add | tostring end) | join(" ")' "$j")"
	[[ $v == jestatic || $v == jeprefix ]] && continue
	if [[ $v == static ]]; then
		# no .eh_frame_hdr (GCC's -static leaves it out): the unwind rows come from .eh_frame
		# itself, so the walk leaves glibc's strdup and libstdc++'s operator new (no frame
		# pointers) for their callers: strdup's caller named at its line, every stack whole
		line=$(line_of "$SRC_C" "sink = strdup(\"fifteen chars!!\");")
		check "$v: strdup's leaks: strdup, then leak_strdup (alloc_leaks.c:$line), then alloc_leaks_c, main" \
			"strdup leak_strdup:$line alloc_leaks_c main 48 3" "$(jq -r --argjson l "$line" '[.stacks[]
			  | select(.frames[0].function == "strdup" and .frames[1].line == $l)]
			  | "\(.[0].frames[0].function) \(.[0].frames[1].function):\(.[0].frames[1].line) \(.[0].frames[2].function) \(.[0].frames[3].function) \(map(.live_bytes) | add // 0) \(map(.live_objects) | add // 0)"' "$j")"
		check "$v: stacks through the workload: none truncated, all reach _start" "0" \
			"$(jq '[.stacks[] | select(any(.frames[]; (.file // "") | test("/alloc_leaks(_cxx)?\\.cc?$")))
			  | select(.truncated or .frames[-1].function != "_start")] | length' "$j")"
	fi
	while IFS='|' read -r fn text want; do
		line=$(line_of "$SRC_CXX" "$text")
		check "$v: $fn (alloc_leaks_cxx.cc:$line) live bytes, objects, allocated" "$want" \
			"$(site "$j" alloc_leaks_cxx.cc "$fn" "$line")"
	done <<<"$CXX_LEAKS"
	check "$v: C++ churn (new/sized delete, new[]/delete[], aligned, nothrow): all freed" \
		"0 0 1200" "$(site "$j" alloc_leaks_cxx.cc "churn()" "")"
	# the layer counted, by the first frame of the C++ half's stacks: the allocator's own
	# operator new is probed, so it is the caller of new; libstdc++'s calls malloc, which
	# counts it, and its aligned one hands aligned_alloc the size asked for: operator new
	frame0=$(jq -r '[.stacks[] | ([.frames[] | select((.file // "") | test("/alloc_leaks(_cxx)?\\.cc?$"))][0]) as $w
		| select($w != null and ($w.file | endswith("/alloc_leaks_cxx.cc")) and ($w.function | startswith("oom") | not))
		| .frames[0] | if ((.file // "") | endswith("/alloc_leaks_cxx.cc")) then "caller"
		  else .function end] | unique | join(",")' "$j")
	if [[ $v == glibc || $v == static ]]; then
		check "$v: first frames of the C++ stacks: libstdc++'s operator new (malloc's caller)" \
			"caller,operator new(unsigned long),operator new(unsigned long, std::align_val_t)" "$frame0"
	else
		check "$v: the allocator's operator new counted: every C++ stack starts at the caller" \
			"caller" "$frame0"
	fi
done
finish
