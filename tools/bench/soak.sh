#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Soak of the agent (perfan-bpf serve): run it for MINUTES (default 60) host-wide while
# processes come and go (short-lived ones, growing ones, a steady churn), scraping /metrics
# every 10 s, and print its resident memory (and of it the anonymous memory, and the DWARF it
# holds), its CPU and the processes it knows over time: they must stay bounded.
# Usage: tools/bench/soak.sh [MINUTES] [PORT]
set -u
cd "$(dirname "$0")/../.."
MIN=${1:-60}
PORT=${2:-19999}
PB=${PB:-$PWD/perfan-bpf}
WL=$PWD/.output/workloads/grower
T=$(mktemp -d /tmp/perfan-soak.XXXXXX)
export PERFAN_RUNTIME_DIR=$T/run
"$PB" serve --listen "127.0.0.1:$PORT" --interval 2 2>"$T/agent.err" &
AGENT=$!
trap 'kill $AGENT $LOADPID 2>/dev/null; rm -rf "$T"' EXIT
sleep 3
(
	while :; do
		for _ in $(seq 50); do /bin/true; done
		"$WL" child 2 >/dev/null
		"$WL" steady - 5 >/dev/null &
		"$WL" grow 16 - 5 >/dev/null
		wait
	done
) &
LOADPID=$!
end=$((SECONDS + MIN * 60))
printf '%8s %12s %12s %12s %10s %8s %8s\n' elapsed_s agent_rss_MiB anon_MiB dwarf_MiB cpu_s procs scrapes
while ((SECONDS < end)); do
	m=$(curl -s "http://127.0.0.1:$PORT/metrics")
	rss=$(awk '/^perfan_agent_resident_bytes / {printf "%.1f", $2/1048576}' <<<"$m")
	anon=$(awk '/^perfan_agent_anon_bytes / {printf "%.1f", $2/1048576}' <<<"$m")
	dwarf=$(awk '/^perfan_agent_debug_info_bytes / {printf "%.1f", $2/1048576}' <<<"$m")
	cpu=$(awk '/^perfan_agent_cpu_seconds_total / {printf "%.1f", $2}' <<<"$m")
	procs=$(awk '/^perfan_processes / {print $2}' <<<"$m")
	up=$(awk '/^perfan_agent_uptime_seconds / {printf "%.0f", $2}' <<<"$m")
	req=$(awk -F' ' '/outcome="served"/ {print $2}' <<<"$m")
	printf '%8s %12s %12s %12s %10s %8s %8s\n' "$up" "$rss" "$anon" "$dwarf" "$cpu" "$procs" "$req"
	sleep 10
done
