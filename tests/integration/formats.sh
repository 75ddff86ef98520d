#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of the output formats (docs/formats.md) through the real binary:
# folded stacks against the golden files of tests/fixtures/session/; pprof read back by
# `go tool pprof` (-top, -traces, -diff_base: functions, lines, values); SVG flame graphs
# checked by xmllint; the HTML report rendered by headless Chromium (DOM and a screenshot that
# is not blank); a session recorded with real BPF from tests/workloads/phases.c in every
# format; the user errors. Needs root; never skips: a missing tool is a failure
# (tools/install-deps.sh installs them). Prints "ok"/"FAIL" per check and
# "formats: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
PB=$ROOT/perfan-bpf
WL=$ROOT/.output/workloads/phases
FIX=$ROOT/tests/fixtures/session
. tests/integration/lib.sh formats
export HOME=$T # go keeps its caches under $HOME; Chromium its profile
has() { # description haystack-file needle: the file holds the exact string
	if grep -qF -- "$3" "$2"; then ok "$1"; else no "$1: '$3' not in $(basename "$2")"; fi
}
one_line_exit2() { # description command...: exit 2, one line "perfan-bpf: ..." on stderr
	local what=$1 rc lines
	shift
	timeout 20 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [[ $rc == 2 && $lines == 1 && $(head -c 12 "$T/err") == "perfan-bpf: " && ! -s $T/out ]]; then
		ok "$what: exit 2, one line: $(cat "$T/err")"
	else
		no "$what: want exit 2, one stderr line and no stdout, got exit $rc, $lines lines: $(head -c 300 "$T/err")"
	fi
}
# go tool pprof with every node shown and exact byte units
gp() { go tool pprof -nodefraction=0 -edgefraction=0 "$@" 2>"$T/gp.err"; }
# the rows of `pprof -top`: "flat cum function [file:line]" (after the header)
top_rows() { sed -n '/^ *flat  flat%/,$p' | tail -n +2 | awk '{ $2 = ""; $3 = ""; $5 = ""; print }' | tr -s ' ' | sed 's/^ //'; }

for tool in go xmllint chromium python3 jq; do
	command -v "$tool" >/dev/null || no "$tool is missing: run tools/install-deps.sh"
done
for f in "$PB" "$WL"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done
cp "$FIX/server.session" .
S=server.session

# --- folded stacks: golden files
for spec in "server.report.folded|report $S --format folded" \
	"server.report.alloc_objects.folded|report $S --format folded --value alloc_objects" \
	"server.warm.live_objects.folded|report $S --label warm --format folded --value live_objects" \
	"server.diff.folded|diff $S --format folded" \
	"server.diff.start-loaded.delta_objects.folded|diff $S start loaded --format folded --value delta_objects"; do
	golden=${spec%%|*}
	# shellcheck disable=SC2086
	"$PB" ${spec#*|} >"$T/got.folded" 2>"$T/err"
	rc=$?
	if [[ $rc == 0 ]] && cmp -s "$T/got.folded" "$FIX/$golden"; then
		ok "folded golden $golden"
	else
		no "folded golden $golden: exit $rc, $(diff "$FIX/$golden" "$T/got.folded" | head -5 | tr '\n' '|') $(cat "$T/err")"
	fi
done
(cd "$FIX/../../.." && "$PB" report tests/fixtures/session/server.session) >"$T/got.txt"
if cmp -s "$T/got.txt" "$FIX/server.report.txt"; then ok "text golden server.report.txt"; else
	no "text golden server.report.txt: $(diff "$FIX/server.report.txt" "$T/got.txt" | head -5 | tr '\n' '|')"; fi
"$PB" report $S --format folded --output out.folded
check "--output FILE: the file holds the output" "" "$(cmp out.folded "$FIX/server.report.folded" 2>&1)"

# --- pprof read by go tool pprof
"$PB" report $S --format pprof --output end.pb.gz
check "pprof: exit 0" 0 $?
check "pprof: gzip" "gzip compressed data" "$(file -b end.pb.gz | cut -d, -f1)"
"$PB" report $S --label start --format pprof --output start.pb.gz
"$PB" diff $S --format pprof --output diff.pb.gz
"$PB" report $S --format pprof >stdout.pb.gz
check "pprof to a redirected stdout is the same file" "" "$(cmp stdout.pb.gz end.pb.gz 2>&1)"
check "pprof -top -lines: functions, lines and bytes of the last snapshot" \
"400000B 400000B xalloc /src/server/util.h:12 (inline)
9000B 9000B libfoo.so.1+0x44f0
1024B 1024B parse_config /src/server/config.c:33
960B 960B Registry::add(std::string const&) /src/server/registry.cc:27
0 410984B __libc_start_call_main
0 400000B cache_put /src/server/cache.c:88
0 400000B handle_request /src/server/server.c:140
0 9000B handle_request /src/server/server.c:160
0 1984B main /src/server/server.c:195
0 409000B main /src/server/server.c:210
0 960B parse_config /src/server/config.c:41" \
	"$(gp -top -lines -unit=B end.pb.gz | top_rows)"
check "pprof -top -sample_index=inuse_objects" \
"4000 4000 xalloc (inline)
90 90 libfoo.so.1+0x44f0
20 20 Registry::add(std::string const&)
1 21 parse_config
0 4111 __libc_start_call_main
0 4000 cache_put
0 4090 handle_request
0 4111 main" \
	"$(gp -top -sample_index=inuse_objects end.pb.gz | top_rows)"
check "pprof -top -sample_index=alloc_space counts what was freed too" \
	"262144B 262144B buffer_grow" "$(gp -top -sample_index=alloc_space -unit=B -focus=buffer_grow end.pb.gz | top_rows | head -1)"
gp -traces -lines end.pb.gz >traces.txt
check "pprof -traces: the leak's stack, inlined frame first, with labels" \
"  snapshot:  end
       pid:  4242
  390.62kB   xalloc /src/server/util.h:12 (inline)
             cache_put /src/server/cache.c:88
             handle_request /src/server/server.c:140
             main /src/server/server.c:210
             __libc_start_call_main" \
	"$(awk '/^-+\+/ { n++; next } n == 1' traces.txt)"
check "pprof -traces: one trace per stack with memory" 5 "$(grep -c '^  snapshot:  end$' traces.txt)"
check "pprof: mappings with path and build id" \
	"/srv/app/server 5f0c3e9a1b2d4c6e8f00112233445566778899aa" \
	"$(gp -raw end.pb.gz | grep -o '/srv/app/server [0-9a-f]*')"
check "pprof -diff_base of two snapshots names the growth" \
"400000B 400000B xalloc /src/server/util.h:12 (inline)
9000B 9000B libfoo.so.1+0x44f0
-3072B -3072B parse_config /src/server/config.c:33
480B 480B Registry::add(std::string const&) /src/server/registry.cc:27" \
	"$(gp -top -lines -unit=B -diff_base start.pb.gz end.pb.gz | top_rows | head -4)"
check "diff --format pprof: the same deltas as -diff_base" \
	"$(gp -top -lines -unit=B -diff_base start.pb.gz end.pb.gz | top_rows)" \
	"$(gp -top -lines -unit=B diff.pb.gz | top_rows)"
check "diff --format pprof: negative objects" "-3 -3 parse_config /src/server/config.c:33" \
	"$(gp -top -lines -sample_index=inuse_objects diff.pb.gz | top_rows | grep config.c:33)"

# --- SVG flame graphs
"$PB" report $S --format svg --output end.svg
check "svg: exit 0" 0 $?
check "svg: valid XML (xmllint)" "" "$(xmllint --noout end.svg 2>&1)"
check "svg: the title names the process, label and totals" \
	"Live heap of pid 4242, snapshot “end” total 401.4 KiB (410984 B) in 4111 objects; width: live_bytes" \
	"$(xmllint --xpath 'concat(//*[local-name()="text"][@class="title"], " ", //*[local-name()="text"][@class="sub"])' end.svg)"
check "svg: a tooltip per frame with function, file:line, bytes, objects and share" \
	"cache_put (/src/server/cache.c:88)
module: server
390.6 KiB (400000 B), 4000 objects
97.33% of the total" \
	"$(xmllint --xpath 'string(//*[local-name()="title"][starts-with(., "cache_put")])' end.svg)"
check "svg: one frame per distinct path (buffer_grow has nothing live)" 9 "$(xmllint --xpath 'count(//*[local-name()="g"][@class="f"])' end.svg)"
check "svg: frames of one module share a colour" 1 \
	"$(xmllint --xpath '//*[local-name()="g"][@class="f"][starts-with(*[local-name()="title"], "handle_request") or starts-with(*[local-name()="title"], "main") or starts-with(*[local-name()="title"], "cache_put")]/*[local-name()="rect"]/@fill' end.svg | sort -u | wc -l)"
check "svg: nothing from the network" 0 "$(grep -c 'href\|<script\|@import' end.svg)"
"$PB" diff $S --format svg --output diff.svg
check "diff svg: valid XML (xmllint)" "" "$(xmllint --noout diff.svg 2>&1)"
check "diff svg: growth red" 'fill="rgb(255,64,64)"' \
	"$(xmllint --xpath '//*[local-name()="g"][starts-with(*[local-name()="title"], "cache_put")]/*[local-name()="rect"]/@fill' diff.svg | sed 's/^ //')"
"$PB" diff $S warm loaded --format svg --output diff2.svg
check "diff svg: shrinkage blue, in proportion to the largest change" 'fill="rgb(159,159,255)"' \
	"$(xmllint --xpath '//*[local-name()="g"][starts-with(*[local-name()="title"], "buffer_grow")]/*[local-name()="rect"]/@fill' diff2.svg | sed 's/^ //')"
check "diff svg: the tooltip of a shrinking frame" "buffer_grow (/src/server/buffer.c:51)
module: server
change: -64.0 KiB (-65536 B), -2 objects
64.0 KiB → 0 B, 2 → 0 objects
19.91% of the larger of the two" \
	"$(xmllint --xpath 'string(//*[local-name()="title"][starts-with(., "buffer_grow")])' diff2.svg)"

# --- the HTML report in headless Chromium
"$PB" report $S --format html --output report.html
check "html: exit 0" 0 $?
check "html: well-formed (xmllint)" "" "$(xmllint --noout report.html 2>&1)"
chrome() { timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.err"; }
chrome --dump-dom "file://$T/report.html" >dom.html
check "chromium: rendered the page" 0 $?
has "html DOM: the title" dom.html '<h1 id="title">Heap report of pid 4242</h1>'
has "html DOM: live heap total" dom.html '<td class="n" id="live-bytes">401.4 KiB (410984 B)</td>'
has "html DOM: live objects" dom.html '<td class="n" id="live-objects">4111</td>'
has "html DOM: RSS" dom.html '<td class="n" id="rss">13.0 MiB (13631488 B)</td>'
check "html DOM: the chart labels every snapshot in order" "start warm loaded end" \
	"$(grep -o 'class="snap-label"[^>]*>[^<]*' dom.html | sed 's/.*>//' | tr '\n' ' ' | sed 's/ $//')"
has "html DOM: the heap line of the chart" dom.html 'points="90.0,239.9 383.3,237.3 676.7,235.9 970.0,233.7"'
has "html DOM: the trend table classifies the leak" dom.html '<tr><td>xalloc (util.h:12)</td><td class="leak">leak</td>'
has "html DOM: the plateau" dom.html '<tr><td>libfoo.so.1+0x44f0</td><td class="plateau">plateau</td>'
has "html DOM: top stacks with file:line" dom.html 'cache_put  /src/server/cache.c:88'
has "html DOM: the flame graph of the last snapshot" dom.html 'Live heap of pid 4242, snapshot “end”'
has "html DOM: the flame graph of the diff" dom.html 'Heap change of pid 4242, snapshot “start” → “end”'
chrome --screenshot="$T/shot.png" --window-size=1300,2400 "file://$T/report.html" >/dev/null
# the decoded pixels: how many distinct colours, and the share of the most common one
python3 - "$T/shot.png" >"$T/png.txt" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw, stride, prev, colours = zlib.decompress(idat), w * bpp, bytearray(w * bpp), {}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pred = [0, a, b, (a + b) // 2, a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c][f]
        line[i] = (line[i] + pred) & 0xff
    for x in range(0, stride, bpp * 4):
        k = bytes(line[x:x + 3])
        colours[k] = colours.get(k, 0) + 1
    prev = line
print(len(colours), int(100 * max(colours.values()) / sum(colours.values())))
PY
read -r ncol top_share <"$T/png.txt"
if [[ ${ncol:-0} -ge 20 && ${top_share:-100} -le 95 ]]; then
	ok "chromium screenshot is not blank: $ncol colours, the commonest covers $top_share%"
else
	no "chromium screenshot looks blank: ${ncol:-?} colours, commonest ${top_share:-?}% ($(tail -2 "$T/chrome.err"))"
fi

# --- a real session: tests/workloads/phases.c under BPF, in every format
if [[ $EUID != 0 ]]; then
	no "the recorded session needs root (BPF programs and uprobes); integration tests never skip"
	finish
fi
"$WL" >"$T/wl.out" 2>&1 &
wl=$!
bg_pids+=("$wl")
wait_for "$T/wl.out" READY
# --verbose: the session says when each snapshot is stored; the next phase starts only then
# (the workload prints MARKED before the session has read its mark)
"$PB" --pid "$wl" --output "$T/real.session" --interval 60 --verbose >/dev/null 2>"$T/pb.err" &
pb=$!
bg_pids+=("$pb")
wait_for "$T/pb.err" "tracing pid" || no "the session did not start: $(cat "$T/pb.err")"
"$PB" mark before --pid "$wl"
kill -USR1 "$wl"
wait_for "$T/pb.err" "'after-phase1' stored" || no "no after-phase1 snapshot: $(tail -3 "$T/pb.err")"
kill -USR1 "$wl"
wait_for "$T/pb.err" "'after-phase2' stored" || no "no after-phase2 snapshot: $(tail -3 "$T/pb.err")"
kill -USR1 "$wl" # the workload exits; the session ends by itself
wait "$pb"
check "recorded session: exit 0" 0 $?
R=$T/real.session
# the lines of the leaking calls, from the workload's source
L1=$(grep -n 'phase1_blocks\[i\] = malloc(100)' "$ROOT/tests/workloads/phases.c" | cut -d: -f1)
L2=$(grep -n 'sink = malloc(200)' "$ROOT/tests/workloads/phases.c" | cut -d: -f1)
check "recorded folded: the two leaks, root first" \
	"main;phase1_leak 2000 main;phase2_leak 4000" \
	"$("$PB" report "$R" --format folded | grep -o 'main;phase[12]_leak [0-9]*' | tr '\n' ' ' | sed 's/ $//')"
check "recorded folded diff before after-phase1" "main;phase1_leak 3000" \
	"$("$PB" diff "$R" before after-phase1 --format folded | grep -o 'main;phase1_leak [0-9]*')"
"$PB" report "$R" --format pprof --output real.pb.gz
check "recorded pprof -top -lines: the leaking lines of phases.c" \
"4000B 4000B phase2_leak $ROOT/tests/workloads/phases.c:$L2
2000B 2000B phase1_leak $ROOT/tests/workloads/phases.c:$L1" \
	"$(gp -top -lines -unit=B real.pb.gz | top_rows | head -2)"
"$PB" report "$R" --label before --format pprof --output real-before.pb.gz
"$PB" report "$R" --label after-phase1 --format pprof --output real-p1.pb.gz
check "recorded pprof -diff_base before after-phase1" "3000B 3000B phase1_leak" \
	"$(gp -top -unit=B -diff_base real-before.pb.gz real-p1.pb.gz | top_rows | head -1)"
"$PB" diff "$R" after-phase1 end --format pprof --output real-diff.pb.gz
check "recorded diff pprof: growth and shrinkage" "4000B 4000B phase2_leak|-1000B -1000B phase1_leak" \
	"$(gp -top -unit=B real-diff.pb.gz | top_rows | head -2 | tr '\n' '|' | sed 's/|$//')"
"$PB" report "$R" --format svg --output real.svg
check "recorded svg: valid XML with the leak's frame" "" "$(xmllint --noout real.svg 2>&1)"
check "recorded svg: the leak's tooltip has file:line" 1 \
	"$(grep -c "<title>phase2_leak ($ROOT/tests/workloads/phases.c:$L2)" real.svg)"
"$PB" report "$R" --format html --output real.html
chrome --dump-dom "file://$T/real.html" >real-dom.html
check "recorded html in chromium: every label on the chart" "before after-phase1 after-phase2 end" \
	"$(grep -o 'class="snap-label"[^>]*>[^<]*' real-dom.html | sed 's/.*>//' | tr '\n' ' ' | sed 's/ $//')"

# --- user errors: one line, exit 2
one_line_exit2 "unknown --format" "$PB" report $S --format png
one_line_exit2 "--value with a format that has no value" "$PB" report $S --format json --value live_bytes
one_line_exit2 "a delta in a snapshot" "$PB" report $S --format folded --value delta_bytes
one_line_exit2 "an unknown value" "$PB" diff $S --format folded --value bytes
one_line_exit2 "a diff svg of live bytes" "$PB" diff $S --format svg --value live_bytes
one_line_exit2 "html of a diff" "$PB" diff $S --format html
one_line_exit2 "--output in a missing directory" "$PB" report $S --format svg --output "$T/no/such/dir/x.svg"
one_line_exit2 "--output without a value" "$PB" report $S --format svg --output
one_line_exit2 "--output on trend" "$PB" trend $S --output x
script -qec "'$PB' report '$T/$S' --format pprof" /dev/null >"$T/tty.out" 2>&1
rc=$?
check "pprof to a terminal: refused, exit 2" "2 perfan-bpf: report: --format pprof writes gzip data, not for a terminal; give --output FILE or redirect stdout" \
	"$rc $(tr -d '\r' <"$T/tty.out")"

# --- the end of a live session in a picture format, drawn from its session file
LEAKY=$(dirname "$PB")/.output/workloads/leaky
"$PB" leak --format folded --output "$T/live.session" -- "$LEAKY" >"$T/live.folded" 2>"$T/live.err"
check "leak --format folded: exit 0" 0 $?
check "leak --format folded: leak_malloc's 7000 live bytes, root first" 1 \
	"$(grep -cx '_start;__libc_start_main_impl;__libc_start_call_main;main;leak_malloc 7000' "$T/live.folded")"
check "leak --format folded: the live bytes of all stacks add up to leaky.c's 22796" 22796 \
	"$(awk '{ s += $NF } END { print s }' "$T/live.folded")"
"$PB" leak --format svg --output "$T/live2.session" -- "$LEAKY" >"$T/live.svg" 2>/dev/null
check "leak --format svg: valid XML" 0 "$(xmllint --noout "$T/live.svg" >/dev/null 2>&1; echo $?)"
"$PB" leak --format pprof --no-output -- "$LEAKY" >/dev/null 2>"$T/err"
check "leak --format pprof --no-output: exit 2, one line" "2 1" "$? $(wc -l <"$T/err")"
finish
