#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Integration tests of the agent (perfan-bpf serve) with the real engines that read it: Debian's
# promtool checks /metrics, Debian's prometheus scrapes the agent and its query API returns the
# exact live bytes of a leaking process, and `go tool pprof -raw` pulls
# /debug/pprof/heap?pid=PID and totals the same bytes. The leak is known: grower drips 1000
# blocks of 1000 B from leak_a on SIGUSR1, during an exact window asked with `serve --trace`.
# Also: read-only HTTP, one agent per host, a killed agent leaves no probe behind, and a short
# soak with processes coming and going. Needs root; never skips.
set -u
cd "$(dirname "$0")/../.."
PB=$PWD/perfan-bpf
WL=$PWD/.output/workloads/grower
. tests/integration/lib.sh agent

if [[ $EUID != 0 ]]; then
	no "integration tests must run as root (BPF programs and uprobes); they never skip"
	finish
fi
for f in "$PB" "$WL" /usr/bin/prometheus /usr/bin/promtool /usr/bin/go; do
	[[ -x $f ]] || { no "missing $f: run tools/install-deps.sh and make first"; finish; }
done
PORT=$((20000 + $$ % 20000))
PPORT=$((PORT + 1))
URL=http://127.0.0.1:$PORT
export PERFAN_RUNTIME_DIR=$T/run # the agent's control socket, apart from any real agent

# the ids of the growth gear's BPF programs in the kernel now, sorted as comm wants (another agent on the host,
# or a growth session of an earlier suite still detaching, has its own)
gear_progs() {
	bpftool prog show -j 2>/dev/null |
		jq -r '.[] | select(.name == "fault_user" or .name == "on_rss" or .name == "sys_enter") | .id' |
		sort
}
BEFORE=$(gear_progs)

# every new page walked (--sample-pages 1): the pprof checks below are exact
"$PB" serve --listen "127.0.0.1:$PORT" --interval 1 --sample-pages 1 2>agent.err &
AGENT=$!
bg_pids+=($AGENT)
wait_for agent.err "agent on http" || { no "the agent never started: $(cat agent.err)"; finish; }
# the agent's own: loaded since
AGENT_PROGS=$(comm -13 <(echo "$BEFORE") <(gear_progs) | paste -sd' ')
check "the agent loaded its three growth programs" 3 "$(wc -w <<<"$AGENT_PROGS")"

# --- the endpoints
curl -s "$URL/metrics" >m1.txt
check "promtool check metrics accepts /metrics" "0:" "$(promtool check metrics <m1.txt >pc.out 2>&1; echo "$?:$(cat pc.out)")"
check "the agent reports its own CPU and memory" 2 "$(grep -cE '^perfan_agent_(cpu_seconds_total|resident_bytes) ' m1.txt)"
check "POST is refused (read-only)" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")"
check "an unknown path is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/admin")"
check "heap without pid is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/pprof/heap")"
"$PB" serve --listen "127.0.0.1:$((PORT + 2))" --duration 1 2>second.err
check "a second agent is refused with exit 2" "2:1" "$?:$(wc -l <second.err)"

# --- a leaking process, traced exactly on demand
rm -f go
"$WL" grow 4 go 120 >grow.out &
GROW=$!
bg_pids+=($GROW)
touch go
wait_for grow.out grown 100 || no "the grower never grew"
sleep 1.2 # the agent's next scan
check "the index links the grower's heap profile" yes \
	"$(curl -s "$URL/debug/pprof/" | grep -q "href=\"/debug/pprof/heap?pid=$GROW\"" && echo yes)"
"$PB" serve --trace "$GROW" --duration 4 >trace.out 2>trace.err
check "serve --trace reaches the agent" "0" "$?"
wait_for agent.err "exact tracing for 4 s of pid $GROW" 50 || no "no window started: $(cat agent.err)"
sleep 1.5 # the exact gear attaches its probes
kill -USR1 "$GROW"
wait_for grow.out dripped 100 || no "the grower never dripped"
# the window ends 4 s after it attached; the agent reads its report at its next scan
for _ in $(seq 100); do
	curl -s "$URL/metrics" | grep -q "^perfan_process_live_bytes{pid=\"$GROW\"}" && break
	sleep 0.2
done
curl -s "$URL/metrics" >m2.txt
check "/metrics has the exact live bytes of the process" "perfan_process_live_bytes{pid=\"$GROW\"} 1000000" \
	"$(grep "^perfan_process_live_bytes{pid=\"$GROW\"}" m2.txt)"
check "promtool accepts /metrics with an exact window" "0" "$(promtool check metrics <m2.txt >/dev/null 2>&1; echo $?)"

# --- Prometheus scrapes it: its query API returns the exact bytes
cat >prom.yml <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: perfan
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
prometheus --config.file=prom.yml --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >prom.log 2>&1 &
PROM=$!
bg_pids+=($PROM)
val=""
for _ in $(seq 150); do
	val=$(curl -s "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=perfan_process_live_bytes{pid=\"$GROW\"}" 2>/dev/null |
		python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; print(r[0]['value'][1] if r else '')" 2>/dev/null)
	[[ -n $val ]] && break
	sleep 0.2
done
check "Prometheus's query API returns the exact live bytes" 1000000 "$val"
check "Prometheus sees the scrape target up" 1 \
	"$(curl -s "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode 'query=up{job="perfan"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['data']['result'][0]['value'][1])")"
kill "$PROM"

# --- go tool pprof pulls the heap profile over HTTP and totals the same bytes
export PPROF_TMPDIR=$T/pprof HOME=$T
go tool pprof -raw "$URL/debug/pprof/heap?pid=$GROW" >raw.txt 2>pprof.err
check "go tool pprof reads /debug/pprof/heap" 0 $?
check "its inuse_space totals the exact live bytes" 1000000 \
	"$(awk '/^Samples:/ {s=1; next} /^Locations/ {s=0} s && $1 ~ /^[0-9]+$/ {t+=$1} END {print t+0}' raw.txt)"
check "the stack is named leak_a" yes "$(grep -q ' leak_a ' raw.txt && echo yes)"

# ?seconds=N: answered N seconds later with what each stack gained meanwhile
curl -s -o win.pb.gz -w '%{http_code}' "$URL/debug/pprof/heap?pid=$GROW&seconds=3" >win.code &
WIN=$!
# the window starts when the agent reads the request (at its next wake): the drip must come
# after, so wait until /metrics says one is under way (a fixed sleep lost the race on a busy
# machine)
started=
for _ in $(seq 100); do
	if curl -s "$URL/metrics" | grep -qx 'perfan_agent_heap_windows 1'; then
		started=yes
		break
	fi
	sleep 0.1 # within the agent's request rate (20/s)
done
check "/metrics counts the window under way" yes "$started"
kill -USR1 "$GROW"
wait "$WIN"
check "the window is answered 200" 200 "$(cat win.code)"
go tool pprof -raw win.pb.gz >win.txt 2>/dev/null
check "a 3-second window shows the pages a drip held meanwhile (about 1000000 B)" yes \
	"$(awk '/^Samples:/ {s=1; next} /^Locations/ {s=0} s && $1 ~ /^-?[0-9]+$/ {t+=$1} END {print (t >= 950000 && t <= 1100000) ? "yes" : t+0}' win.txt)"

# --- killed under load, the agent leaves no probe behind; a new one starts
kill -9 "$AGENT"
wait "$AGENT" 2>/dev/null
left_of_agent() { comm -12 <(tr ' ' '\n' <<<"$AGENT_PROGS" | sort) <(gear_progs) | paste -sd' '; }
for _ in $(seq 50); do [[ -z $(left_of_agent) ]] && break; sleep 0.1; done
check "a killed agent leaves no program behind (its ids: $AGENT_PROGS)" "" "$(left_of_agent)"
"$PB" serve --listen "127.0.0.1:$PORT" --interval 1 --duration 20 --max-dwarf 1M 2>agent2.err &
AGENT=$!
bg_pids+=($AGENT)
wait_for agent2.err "agent on http" || no "the agent did not start again: $(cat agent2.err)"

# --- a short soak: processes come and go; the agent's memory and CPU stay bounded
for i in $(seq 300); do /bin/true; done
for i in $(seq 20); do "$WL" child 1 >/dev/null; done
sleep 2
curl -s "$URL/metrics" >m3.txt
RSS=$(awk '/^perfan_agent_resident_bytes / {print $2}' m3.txt)
CPU=$(awk '/^perfan_agent_cpu_seconds_total / {print $2}' m3.txt)
UP=$(awk '/^perfan_agent_uptime_seconds / {print $2}' m3.txt)
# of which 32 MiB are the unwind rows shared with the kernel (--max-unwind-rows 4194304)
check "the agent's resident memory stays under 192 MiB ($RSS B)" yes \
	"$(python3 -c "print('yes' if 0 < $RSS < 192*2**20 else 'no')")"
check "the agent used under half a CPU ($CPU s in $UP s)" yes \
	"$(python3 -c "print('yes' if $CPU < 0.5*$UP + 1 else 'no')")"
DW=$(awk '/^perfan_agent_debug_info_bytes / {print $2}' m3.txt)
check "the DWARF it holds stays within --max-dwarf 1M ($DW B)" yes \
	"$(python3 -c "print('yes' if 0 <= ${DW:--1} <= 2**20 else 'no')")"
check "it says how many files it has open, and whose DWARF was over the bound" 3 \
	"$(grep -cE '^perfan_agent_(open_files|debug_info_over_files|debug_info_dropped_total) [0-9]+$' m3.txt)"
check "exited processes left the exported set" 0 "$(grep -c 'comm="true"' m3.txt)"
wait "$AGENT"
check "the agent ends by itself after --duration, exit 0" 0 $?

finish
