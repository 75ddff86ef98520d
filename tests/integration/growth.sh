#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of the growth gear (perfan-bpf growth): the real binary with real BPF
# (kernel tracepoints only) against tests/workloads/grower.c, whose growth is known: `grow MB`
# leaks MB MiB in 1000-byte blocks, 60% from leak_a and 40% from leak_b, each block written
# whole; `steady` churns a heap of constant size; `forker` forks a child that execs itself and
# leaks 4 MiB. Each waits for a GO file, so the profiler is attached first. Needs root; never
# skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WL=$PWD/.output/workloads/grower
WL_NOFP=$PWD/.output/workloads/grower_nofp
SRC=$PWD/tests/workloads/grower.c
. tests/integration/lib.sh growth

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and tracepoints); they never skip"
	finish
fi
for f in "$PB" "$WL" "$WL_NOFP"; do
	[[ -x $f ]] || { no "missing $f: run make first"; finish; }
done
L_A=$(grep -n 'return memset(malloc(n), 0xa, n);' "$SRC" | cut -d: -f1)
L_B=$(grep -n 'return memset(malloc(n), 0xb, n);' "$SRC" | cut -d: -f1)

# jq-like queries with python3 (in every Debian image that runs the tests)
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

# --- 1. every process: a grower and a steady churn; the grower first, its stacks named
rm -f go1
"$WL" grow 24 go1 8 >grow.out &
GROW=$!
bg_pids+=($GROW)
"$WL" steady go1 8 >/dev/null &
STEADY=$!
bg_pids+=($STEADY)
"$PB" growth --sample-pages 1 --duration 5 --snapshot-every 1 --format json --top 0 --output g.session \
	>g.json 2>g.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for g.err "growth of every process" || no "growth never started: $(cat g.err)"
touch go1
wait_for grow.out "grown" 100 || no "the grower never grew"
wait $PBPID
check "growth exits 0" 0 $?
read -r _ RSS0 RSS1 <grow.out
RSS_GROWTH=$((RSS1 - RSS0))
# other processes of the host may grow too: the grower must rank above the steady churn and
# above every process that grew less than it
rank() { py g.json "print([p['pid'] for p in d['processes']].index($1))"; }
check "the grower ranks above the steady churn" yes "$([[ $(rank "$GROW") -lt $(rank "$STEADY") ]] && echo yes)"
check "every process ranked above the grower grew more" yes \
	"$(py g.json "ps=d['processes']; i=[p['pid'] for p in ps].index($GROW); print('yes' if all(p['growth_bytes'] >= ps[i]['growth_bytes'] for p in ps[:i]) else 'no')")"
check "its growth_bytes is within 10% of its RSS growth ($RSS_GROWTH)" yes \
	"$(py g.json "p=[p for p in d['processes'] if p['pid']==$GROW][0]; print('yes' if abs(p['growth_bytes']-$RSS_GROWTH) <= 0.1*$RSS_GROWTH else p['growth_bytes'])")"
check "the steady churn grew by less than 1 MiB" yes \
	"$(py g.json "p=[p for p in d['processes'] if p['pid']==$STEADY][0]; print('yes' if p['growth_bytes'] < 1<<20 else p['growth_bytes'])")"
check "every new page had its stack walked (--sample-pages 1)" 1 "$(py g.json "print(d['sample_pages'])")"
# held bytes by the leaking call sites: 60% and 40% of 24 MiB, to the page
held_of() { # function
	py g.json "print(sum(s['growth_bytes'] for s in d['stacks'] if s['pid']==$GROW and any(f['function']=='$1' for f in s['frames'])))"
}
HA=$(held_of leak_a)
HB=$(held_of leak_b)
check "leak_a holds 60% of 24 MiB within 2% ($HA)" yes \
	"$(python3 -c "print('yes' if abs($HA - 0.6*24*2**20) <= 0.02*0.6*24*2**20 else 'no')")"
check "leak_b holds 40% of 24 MiB within 2% ($HB)" yes \
	"$(python3 -c "print('yes' if abs($HB - 0.4*24*2**20) <= 0.02*0.4*24*2**20 else 'no')")"
check "leak_a is named with file:line" "grower.c:$L_A" \
	"$(py g.json "print(next(f['file'].split('/')[-1]+':'+str(f['line']) for s in d['stacks'] if s['pid']==$GROW for f in s['frames'] if f['function']=='leak_a'))")"
check "leak_b is named with file:line" "grower.c:$L_B" \
	"$(py g.json "print(next(f['file'].split('/')[-1]+':'+str(f['line']) for s in d['stacks'] if s['pid']==$GROW for f in s['frames'] if f['function']=='leak_b'))")"
check "the steady churn holds less than 1 MiB by stack" yes \
	"$(py g.json "h=sum(s['growth_bytes'] for s in d['stacks'] if s['pid']==$STEADY); print('yes' if h < 1<<20 else h)")"
check "no stack of the grower is truncated" 0 \
	"$(py g.json "print(sum(s['truncated'] for s in d['stacks'] if s['pid']==$GROW))")"
check "an exact-mode command is printed for the grower" "perfan-bpf leak --pid $GROW --duration 60" \
	"$(py g.json "print([p for p in d['processes'] if p['pid']==$GROW][0].get('exact_command'))")"
check "no table ran full, no stack failed" "0 0 0 0 0" \
	"$(py g.json "l=d['lost']; print(l['pages_map_full'], l['stacks_map_full'], l['stats_map_full'], l['procs_map_full'], l['stack_failures'])")"

# the session file: every offline command works on a growth session
check "report of the growth session (json) has the same processes" "$(py g.json "print([p['pid'] for p in d['processes']][:5])")" \
	"$("$PB" report g.session --format json | python3 -c "import json,sys; print([p['pid'] for p in json.load(sys.stdin)['processes']][:5])")"
for fmt in text folded pprof svg html; do
	"$PB" report g.session --format "$fmt" --output "r.$fmt" 2>r.err
	check "report --format $fmt of a growth session exits 0" "0:yes" "$?:$([[ -s r.$fmt ]] && echo yes)"
done
check "pprof names its sample types growth" yes \
	"$(grep -q held_space r.pprof 2>/dev/null || gzip -dc r.pprof 2>/dev/null | grep -aq held_space && echo yes)"
"$PB" diff g.session --format json >d.json 2>d.err
check "diff of a growth session exits 0" 0 $?
"$PB" trend g.session >t.txt 2>t.err
check "trend of a growth session exits 0" 0 $?

# --- 2. fork, exec and exit during the session (--pid follows the children)
rm -f go2
"$WL" forker go2 >fork.out &
FORKER=$!
bg_pids+=($FORKER)
"$PB" growth --pid "$FORKER" --sample-pages 1 --escalate off --format json --no-output >f.json 2>f.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for f.err "growth of pid" || no "growth --pid never started: $(cat f.err)"
touch go2
wait_for fork.out "forker done" 100 || no "the forker never finished"
wait $PBPID
check "growth ends with its process, exit 0" 0 $?
CHILD=$(awk '/forker done/ {print $3}' fork.out)
check "the exec'd child is a process of the report, its parent the forker" "$FORKER" \
	"$(py f.json "print([p['ppid'] for p in d['processes'] if p['pid']==$CHILD][0])")"
check "the child is named after its exec and exited" "grower True" \
	"$(py f.json "p=[p for p in d['processes'] if p['pid']==$CHILD][0]; print(p['comm'], p['exited'])")"
check "the child's 4 MiB were first touched (within 5%)" yes \
	"$(py f.json "p=[p for p in d['processes'] if p['pid']==$CHILD][0]; print('yes' if abs(p['touched_bytes']-4*2**20) <= 0.05*4*2**20 else p['touched_bytes'])")"
# born in the session: its growth counts from nothing, not from the RSS /proc first showed
check "the child's growth_bytes counts its 4 MiB (born in the session; within 5%, plus <= 1 MiB of its own)" yes \
	"$(py f.json "p=[p for p in d['processes'] if p['pid']==$CHILD][0]; print('yes' if 0.95*4*2**20 <= p['growth_bytes'] <= 5*2**20 else p['growth_bytes'])")"
check "the forker counted one fork" 1 "$(py f.json "print([p['forks'] for p in d['processes'] if p['pid']==$FORKER][0])")"

# --- 2b. sampled (the default, --sample-pages 16): 1 in 16 new pages, at random, has its stack
# walked and counts for 16. Of 24 MiB, leak_a's 60% is ~230 draws: +-30% is over 4.5 standard
# deviations of the binomial count; a draw counted for 1 page (or 256) is far outside
rm -f go2b
"$WL" grow 24 go2b 3 >samp.out &
SAMP=$!
bg_pids+=($SAMP)
"$PB" growth --pid "$SAMP" --escalate off --format json --top 0 --output s.session >s.json 2>s.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for s.err "growth of pid" || no "growth --pid never started: $(cat s.err)"
touch go2b
wait $PBPID
check "sampled: the report says 1 in 16" 16 "$(py s.json "print(d['sample_pages'])")"
check "sampled: the session file says so, and its text report" "16 1" \
	"$("$PB" report s.session --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['sample_pages'])") $("$PB" report s.session | grep -c 'by stack: 1 in 16 new pages')"
for fs in leak_a:0.6 leak_b:0.4; do
	f=${fs%%:*} share=${fs##*:}
	check "sampled: $f holds $share of 24 MiB within 30%" yes \
		"$(py s.json "h=sum(s['growth_bytes'] for s in d['stacks'] if s['pid']==$SAMP and any(f['function']=='$f' for f in s['frames'])); print('yes' if abs(h-$share*24*2**20) <= 0.3*$share*24*2**20 else h)")"
done

# --- 2c. the walk budget: 64 MiB grown at full speed (~16,000 new pages in a fraction of a
# second) under --walk-budget 500: past the burst of 500 walks the draws weigh more than 16 (up
# to ~1000 pages each), and the pages still add up: the grower's touched bytes within 40% of its
# 64 MiB (measured: 0.81-1.13x in six runs, one standard deviation ~10%; draws counted for 16
# pages each would give a small fraction)
rm -f go2c
"$WL" grow 64 go2c 3 >budget.out &
BUD=$!
bg_pids+=($BUD)
"$PB" growth --pid "$BUD" --walk-budget 500 --escalate off --format json --top 0 --no-output \
	>b.json 2>b.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for b.err "growth of pid" || no "growth --pid never started: $(cat b.err)"
touch go2c
wait $PBPID
check "budget: the report says 500 walks/s, draws weighed more than 16, and for how many bytes" \
	"500 yes yes" "$(py b.json "w=d.get('walk_budget', {}); print(w.get('walks_per_s'), 'yes' if w.get('weight_max', 0) > 16 else w, 'yes' if w.get('budget_bytes', 0) > 0 else w)")"
check "budget: the grower's touched bytes are within 40% of its 64 MiB" yes \
	"$(py b.json "p=[p for p in d['processes'] if p['pid']==$BUD][0]; print('yes' if abs(p['touched_bytes']-64*2**20) <= 0.4*64*2**20 else p['touched_bytes'])")"

# --- 3. a program built -O2 without frame pointers: whole stacks through .eh_frame rows
rm -f go3
"$WL_NOFP" grow 8 go3 1 >nofp.out &
NOFP=$!
bg_pids+=($NOFP)
"$PB" growth --pid "$NOFP" --escalate off --format json --top 0 --no-output >n.json 2>n.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for n.err "growth of pid" || no "growth --pid never started: $(cat n.err)"
touch go3
wait $PBPID
check "the stacks of leak_a reach main and _start, untruncated" "main _start False" \
	"$(py n.json "s=max((s for s in d['stacks'] if any(f['function']=='leak_a' for f in s['frames'])), key=lambda s: s['growth_bytes']); fn=[f['function'] for f in s['frames']]; print('main' if 'main' in fn else '-', fn[-1], s['truncated'])")"
check "leak_a is named with file:line without frame pointers" "grower.c:$L_A" \
	"$(py n.json "print(next(f['file'].split('/')[-1]+':'+str(f['line']) for s in d['stacks'] for f in s['frames'] if f['function']=='leak_a'))")"

# --- 4. the printed exact-mode command runs and finds the leak exactly
rm -f go4
"$WL" grow 4 go4 60 >drip.out &
DRIP=$!
bg_pids+=($DRIP)
touch go4
wait_for drip.out "grown" 100 || no "the grower never grew"
read -r -a CMD <<<"$(py g.json "print([p for p in d['processes'] if p['pid']==$GROW][0]['exact_command'])" | sed "s/--pid $GROW/--pid $DRIP/")"
"$PB" "${CMD[@]:1}" --format json >e.json 2>e.err &
EXPID=$!
bg_pids+=($EXPID)
wait_for e.err "tracing pid $DRIP" || no "the exact command never attached: $(cat e.err)"
kill -USR1 "$DRIP"
wait_for drip.out "dripped" 100 || no "the grower never dripped"
kill -INT "$EXPID"
wait "$EXPID"
check "the exact command exits 0" 0 $?
check "it finds the 1000 blocks of 1000 B leaked from leak_a, exactly" "1000000 1000" \
	"$(py e.json "s=[s for s in d['stacks'] if s['frames'] and s['frames'][0]['function']=='leak_a'][0]; print(s['live_bytes'], s['live_objects'])")"

# --- 5. escalation: a --pid process that grows is traced exactly for a window, and the
# stacks holding what it allocated then come first
rm -f go5
"$WL" mixed 4 go5 60 >mix.out &
MIX=$!
bg_pids+=($MIX)
"$PB" growth --pid "$MIX" --escalate-window 3 --escalate-min 1M --duration 8 --format json \
	--no-output >m.json 2>m.err &
PBPID=$!
bg_pids+=($PBPID)
wait_for m.err "growth of pid" || no "growth --pid never started: $(cat m.err)"
touch go5
wait_for m.err "exact tracing for" 100 || no "no escalation: $(cat m.err)"
sleep 1.5
kill -USR1 "$MIX"
wait_for mix.out "dripped" 100 || no "the mixed grower never dripped"
wait $PBPID
check "growth with escalation exits 0" 0 $?
check "the exact window succeeded" True "$(py m.json "print(d['escalations'][0]['ok'])")"
check "the first stack is the exact one holding the drip: leak_a, 1000000 B" "exact leak_a 1000000" \
	"$(py m.json "s=d['stacks'][0]; print(s['source'], s['frames'][0]['function'], s['held_bytes'])")"

finish
