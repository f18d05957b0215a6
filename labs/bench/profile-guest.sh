#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile, inside the lab VM (labs/bench/profile.sh boots it with
# this; labs/bench/flame.py reads what it leaves): where the CPUs' time
# goes while a TCP stream crosses the tunnel, ours and stock.
#
# For each variant in turn (ours and stock register the same link kind and
# genetlink family, so one module is loaded at a time): the module, make
# bench's two-peer topology and handshake (labs/bench/lib.sh, the same
# helpers as labs/bench/guest.sh), then "perf record -a -g" around an
# iperf3 TCP stream a -> b of RECORD seconds, which perf itself starts:
# every CPU, the kernel's and user space's call stacks. Under TCG perf
# takes seconds to start (it reads every process's maps first): a stream
# started beside it ended before the recording began. The stream's first
# moments (slow start) are in the recording.
#
# Under QEMU/TCG the guest has no PMU: the hardware events (cycles,
# instructions) do not exist. perf samples the software event cpu-clock
# instead, a per-CPU timer: 999 Hz, not a divisor of the kernel's tick
# rate, so the samples do not fall in step with the tick's work. A share
# of samples is a share of CPU time, not of cycles.
#
# Symbols. perf names kernel frames from /proc/kallsyms, whose addresses
# read as zeros unless kptr_restrict allows them; perf_event_paranoid -1
# lifts every limit on what perf may record. Both are set here, whatever
# the kernel's defaults (kptr_restrict 2 hides the addresses even from
# root), and put back at the end. A module's frames: perf reads a module's symbols from its .ko
# under /lib/modules/$(uname -r), where wireguard.ko is but wgtour.ko
# (loaded by insmod from build/) is not; for wgtour.ko only
# /proc/kallsyms has them, and only while it is loaded. So "perf script"
# runs before the module goes, and the modules' lines of /proc/kallsyms
# are kept: labs/bench/flame.py names from them any module frame perf
# printed as [unknown]. runs.txt counts each variant's module frames (by
# those lines) and how many perf left unnamed.
#
# usage: labs/bench/profile-guest.sh OUTDIR KO
# environment: PROFILE_VARIANTS ("ours stock"), PROFILE_RECORD (5),
# PROFILE_FREQ (999).
# OUTDIR gets, per variant, VARIANT.script.txt (perf script's text),
# VARIANT.kallsyms, VARIANT.perf.data, VARIANT-perf.log (perf's own
# messages), VARIANT-tcp.json (iperf3's report of the stream),
# VARIANT-warmup.txt; and env.txt, runs.txt (one line a variant), guest.log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/vm.sh
# the topology, module loading, the iperf3 client: shared with make bench
. labs/bench/lib.sh

out=$1 ko=$2
# shellcheck disable=SC2034 # read by labs/bench/lib.sh's load
notrace_ko=
variants=${PROFILE_VARIANTS:-ours stock}
record=${PROFILE_RECORD:-5}
freq=${PROFILE_FREQ:-999}

mkdir -p "$out" /var/run/wireguard && rm -f "$out"/*
export WG_COLOR_MODE=never
start=$(date +%s.%N)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
kptr=$(cat /proc/sys/kernel/kptr_restrict)
echo -1 > /proc/sys/kernel/perf_event_paranoid
echo 0 > /proc/sys/kernel/kptr_restrict

{
	machine_env
	echo "perf=$(perf --version)"
	echo "perf_event_paranoid=$paranoid kptr_restrict=$kptr (both lifted while recording)"
	echo "event=cpu-clock freq=$freq record=$record"
	echo "variants=$variants"
} > "$out/env.txt"

# profile_run - one variant: up, stream, record, perf script, down.
profile_run()
{
	local prefix=$out/$variant data=/tmp/$variant.perf.data status=ok frames unknown module

	step "$variant: load, topology, handshake"
	load "$variant" || { echo "load failed"; return 1; }
	topo_up || { topo_down; echo "topology failed"; return 1; }
	warm_up "$prefix" || status=no-handshake

	step "$variant: perf record around an iperf3 TCP stream a -> b of $record s"
	# -e cpu-clock: no PMU under TCG (see the top). -a: every CPU, so
	# the workers and softirqs of both peers are in. -g: call stacks.
	# perf runs the stream itself: under TCG perf takes seconds to start,
	# and a stream started beside it had ended before the recording began
	# (99 % idle samples).
	perf record -e cpu-clock -F "$freq" -a -g -o "$data" -- \
		ip netns exec wgt-a iperf3 -c 10.0.0.2 -J -t "$record" \
		> "$prefix-tcp.json" 2> "$prefix-perf.log" || status=perf-record-failed

	step "$variant: perf script (the module still loaded: its symbols)"
	# the modules' symbols only (a tagged line): the kernel's own, perf
	# names itself, and the whole file is some megabytes
	grep -F '[' /proc/kallsyms > "$prefix.kallsyms"
	perf script -i "$data" -F comm,pid,tid,cpu,time,event,ip,sym,symoff,dso \
		> "$prefix.script.txt" 2>> "$prefix-perf.log" || status=perf-script-failed
	cp "$data" "$prefix.perf.data"
	# The module's frames, by the saved lines: named ones whose function
	# they list as the module's, unnamed ones ([unknown]) at an address
	# between its first and last symbol (16 hex digits both: compared as
	# text). perf prints a module frame's map as [kernel.kallsyms] when it
	# named it from /proc/kallsyms, so the map cannot tell.
	module=wgtour
	[ "$variant" = stock ] && module=wireguard
	read -r frames unknown < <(awk -v m="[$module]" '
		NR == FNR {
			if ($4 != m) next
			fn[$3] = 1
			if (lo == "" || $1 < lo) lo = $1
			if ($1 > hi) hi = $1
			next
		}
		/^[[:space:]]/ {
			s = $2; sub(/\+0x[0-9a-f]+$/, "", s)
			if (s in fn) n++
			else if (s == "[unknown]" && $1 >= lo && $1 <= hi) u++
		}
		END { print n + 0, u + 0 }' "$prefix.kallsyms" "$prefix.script.txt")
	echo "$variant $status samples=$(grep -c '^[^[:space:]]' "$prefix.script.txt")" \
		"module_frames=$frames module_frames_unnamed=$unknown" >> "$out/runs.txt"
	topo_down
	echo "$status"
}

topo_down
for variant in $variants; do
	step "$variant"
	profile_run 2>&1 | tee -a "$out/guest.log" | tail -1 | sed "s/^/    $variant: /"
done
wgt_unload
wgt_stock_unload
echo "$paranoid" > /proc/sys/kernel/perf_event_paranoid
echo "$kptr" > /proc/sys/kernel/kptr_restrict
step "done"
cat "$out/runs.txt"
# Every variant recorded and scripted, or the run fails.
[ "$(grep -c ' ok ' "$out/runs.txt")" = "$(wc -w <<< "$variants")" ]
