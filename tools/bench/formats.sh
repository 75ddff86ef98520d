#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Benchmark of the output formats on a large session (`make bench-formats`, or
# tools/bench/formats.sh [N]): .output/gen_session writes a session of N stacks (default
# 100,000; 8-20 frames each, 3 snapshots) with the session writer, then every format of
# `report`, `diff` and `trend` is rendered. Each command runs RUNS times (default 4), rounds in
# turn so that machine noise hits every command alike; printed: the medians of wall time and
# maximum RSS, and the output size. The first row is the session writer itself (gen_session,
# which also builds the session in memory), the second only reads the session, which every
# command pays. The targets of issue 15 are checked at the end: each format <= 1 s and
# <= 150 MiB of RSS.
#
# REF=DIR measures a reference build in the same run, on the same session file: DIR is a built
# tree (DIR/perfan-bpf and DIR/.output/gen_session), e.g. the last commit:
#   git worktree add /tmp/pb-ref HEAD && make -C /tmp/pb-ref -j2 all .output/gen_session
#   REF=/tmp/pb-ref tools/bench/formats.sh
#   git worktree remove /tmp/pb-ref
# Then each row also gives the reference's medians, the ratios (this build / reference), and
# whether both wrote the same bytes (outputs are compared by hash; pprof is gzip data, whose
# bytes may differ with the same content). Each build reads the session its own gen_session
# wrote (the same content, each in its own schema): their sizes are compared (target: this
# build's <= 1/5 of the reference's), and one more row has this build read the reference's
# file (a file of an older schema).
set -eu
cd "$(dirname "$0")/../.."
n=${1:-100000}
RUNS=${RUNS:-4}
PB=$PWD/perfan-bpf
GEN=$PWD/.output/gen_session
REF=${REF:-}
[[ -x $PB && -x $GEN ]] || { echo "formats bench: run make first" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "formats bench: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
if [[ -n $REF && ! ( -x $REF/perfan-bpf && -x $REF/.output/gen_session ) ]]; then
	echo "formats bench: REF=$REF has no perfan-bpf and .output/gen_session: build it first" >&2
	exit 2
fi
T=$(mktemp -d /tmp/perfan-bench-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT

S=$T/large.session
SREF=$T/large.ref.session
# name|command line, the session file as @S@; gen_session's output is the session file itself
rows=(
	"session write (gen_session)|@GEN@ large $n @OUT@"
	"report --format json --top 1 (reading)|@PB@ report @S@ --format json --top 1"
	"report --format json --top 0|@PB@ report @S@ --format json --top 0"
	"report --format text|@PB@ report @S@"
	"report --format folded|@PB@ report @S@ --format folded"
	"report --format pprof|@PB@ report @S@ --format pprof"
	"report --format svg|@PB@ report @S@ --format svg"
	"report --format html|@PB@ report @S@ --format html"
	"diff --format json --top 0|@PB@ diff @S@ --format json --top 0"
	"diff --format folded|@PB@ diff @S@ --format folded"
	"diff --format pprof|@PB@ diff @S@ --format pprof"
	"diff --format svg|@PB@ diff @S@ --format svg"
	"trend --format json|@PB@ trend @S@ --format json"
)
builds=(new)
[[ -n $REF ]] && builds+=(ref)
[[ -n $REF ]] && rows+=("report --format json --top 1 (REF's file)|@PB@ report @SREF@ --format json --top 1")

"$GEN" large "$n" "$S"
echo "session: $n stacks, $(du -h "$S" | cut -f1) ($(wc -l <"$S") records); medians of $RUNS runs"
if [[ -n $REF ]]; then
	"$REF/.output/gen_session" large "$n" "$SREF"
	echo "REF's session: $(du -h "$SREF" | cut -f1) ($(wc -l <"$SREF") records);" \
		"this build's is $(awk -v a="$(stat -c %s "$S")" -v b="$(stat -c %s "$SREF")" \
			'BEGIN{printf "%.1f%% of it (1/%.1f; target <= 1/5: %s)", 100*a/b, b/a, a*5 <= b ? "met" : "MISSED"}')"
fi

# one run: secs, KiB and output hash into $T/<row>.<build>.<run>
run_one() { # row build run
	local spec=${rows[$1]} pb=$PB gen=$GEN out=$T/out s=$S
	[[ $2 == ref ]] && pb=$REF/perfan-bpf gen=$REF/.output/gen_session s=$SREF
	local line=${spec#*|}
	line=${line//@PB@/$pb}
	line=${line//@GEN@/$gen}
	line=${line//@S@/$s}
	line=${line//@SREF@/$SREF}
	line=${line//@OUT@/$T/gen.session}
	# a fresh file each run: the one that truncated 300 MB of the run before paid for it
	rm -f "$T/gen.session" "$out"
	# shellcheck disable=SC2086 # the command line is split on purpose
	/usr/bin/time -f '%e %M' -o "$T/time" $line >"$out" 2>"$T/err" ||
		{ echo "formats bench: '$line' failed: $(tail -1 "$T/err")" >&2; exit 1; }
	[[ -e $T/gen.session ]] && out=$T/gen.session
	read -r secs kb <"$T/time"
	echo "$secs $kb $(sha1sum <"$out" | cut -c1-16) $(stat -c %s "$out")" >"$T/r.$1.$2.$3"
	rm -f "$out"
}
# the builds take turns at going first (with the same binary twice, the first of each row took
# 1.55x the second's time on the 300 MB outputs)
for ((r = 0; r < RUNS; r++)); do
	for i in "${!rows[@]}"; do
		order=("${builds[@]}")
		((r % 2)) && ((${#builds[@]} == 2)) && order=("${builds[1]}" "${builds[0]}")
		for b in "${order[@]}"; do
			run_one "$i" "$b" "$r"
		done
	done
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
med() { # row build field(1 secs, 2 KiB)
	for ((r = 0; r < RUNS; r++)); do cut -d' ' -f"$3" "$T/r.$1.$2.$r"; done | median
}
human() { numfmt --to=iec --suffix=B "$1"; }

# the targets of issue 15: every row after the writer and the reading-only row
targets() {
	local i missed=() met=0 all=0
	for ((i = 2; i < ${#rows[@]}; i++)); do
		[[ ${rows[$i]%%|*} == *"REF's file"* ]] && continue
		all=$((all + 1))
		if awk -v s="$(med "$i" new 1)" -v k="$(med "$i" new 2)" 'BEGIN{exit !(s <= 1 && k <= 150 * 1024)}'; then
			met=$((met + 1))
		else
			missed+=("${rows[$i]%%|*}")
		fi
	done
	echo "targets (each format <= 1 s and <= 150 MiB): $met of $all met"
	for i in "${missed[@]}"; do echo "  MISSED: $i"; done
}

if [[ -z $REF ]]; then
	printf '%-40s %9s %11s %10s\n' "command" "seconds" "max RSS" "output"
	for i in "${!rows[@]}"; do
		printf '%-40s %9.2f %7.0f MiB %10s\n' "${rows[$i]%%|*}" "$(med "$i" new 1)" \
			"$(echo "$(med "$i" new 2) / 1024" | bc -l)" \
			"$(human "$(cut -d' ' -f4 "$T/r.$i.new.0")")"
	done
	targets
	exit 0
fi
printf '%-40s %16s %16s\n' "" "seconds" "max RSS MiB"
printf '%-40s %8s %7s %8s %7s %6s %6s %10s %8s\n' "command" "this" "ref" "this" "ref" \
	"time" "RSS" "output" "bytes"
for i in "${!rows[@]}"; do
	s_new=$(med "$i" new 1) s_ref=$(med "$i" ref 1)
	m_new=$(echo "$(med "$i" new 2) / 1024" | bc -l) m_ref=$(echo "$(med "$i" ref 2) / 1024" | bc -l)
	same=same
	[[ $(cut -d' ' -f3 "$T/r.$i.new.0") == $(cut -d' ' -f3 "$T/r.$i.ref.0") ]] || same=differ
	printf '%-40s %8.2f %7.2f %8.0f %7.0f %5.2fx %5.2fx %10s %8s\n' "${rows[$i]%%|*}" \
		"$s_new" "$s_ref" "$m_new" "$m_ref" "$(echo "$s_new / $s_ref" | bc -l)" \
		"$(echo "$m_new / $m_ref" | bc -l)" "$(human "$(cut -d' ' -f4 "$T/r.$i.new.0")")" "$same"
done
echo "(time, RSS: this build / reference; bytes: whether both wrote the same output)"
targets
