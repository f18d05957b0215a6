#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, inside the lab VM (make bench boots the VM with it; the
# host side, labs/bench/run.sh, builds the modules and reads the results).
#
# Variants of the two-peer topology (two namespaces joined by veth, a
# WireGuard device in each, addresses as in labs/topo/two-peers.sh), the
# first five by default:
#
#   ours      wgtour.ko, tracepoints compiled in, nothing attached
#   stock     the kernel's own wireguard.ko (the reference)
#   go        wireguard-go on both sides (a tun device each)
#   notrace   wgtour.ko built with -DNOTRACE: every trace_*() is empty
#   traced    wgtour.ko with bpftrace counting every tracepoint:wgtour:*
#   rawtp     wgtour.ko with build/count-events (traces/count/) counting
#             every wgtour event with raw_tp programs, which get the
#             tracepoint's arguments: no event record is filled for them
#   tpbtf     the same with tp_btf programs (BTF-typed arguments)
#   tpcount   the same with tracepoint programs, bpftrace's kind: each
#             event's record is filled before the program runs; against
#             traced, the same record without bpftrace's program and map
#
# rawtp, tpbtf and tpcount would make the default run about 45 % longer;
# run them with BENCH_VARIANTS="ours stock go notrace traced rawtp tpbtf
# tpcount" make bench (labs/bench/run.sh builds build/count-events when
# they are asked for).
#
# They are interleaved, one run of each per round (ours stock go notrace
# traced, ours stock go ...), because under QEMU/TCG the same run varies by
# about 20 % from one minute to the next: only ratios of neighbouring runs
# mean anything. Ours and stock register the same link kind and genetlink
# family, so one module is loaded at a time and the topology is rebuilt
# for every run. Each run: a warm-up ping (the handshake), then the cases,
# a -> b, SECS seconds each stream:
#
#   ping      PINGS pings, 0.1 s apart: the idle RTT
#   tcp       an iperf3 TCP stream
#   udp       an iperf3 UDP flood (-b 0) of 1368-byte datagrams: the
#             receiver's packets/s and lost_percent (the loss under a flood)
#   udp64     the same with 64-byte datagrams (per-packet cost)
#   loaded    PINGS pings while an iperf3 TCP stream runs (RTT under load)
#   tcp4      iperf3 TCP with 4 streams (-P 4), ours and stock only
#
# After the variants of each round, unless BENCH_CRYPTO=0, the crypto
# ceiling: the kernel's tcrypt module (mode=213 sec=1) times the crypto
# API's rfc7539esp(chacha20,poly1305) sealing and opening on one vCPU, for
# 1 s at each of 8 sizes each way (about 16 s). It measures the same
# ChaCha20 and Poly1305 code our modules reach through lib/crypto's
# chacha20poly1305 (under -cpu qemu64: the generic C ChaCha20, the x86_64
# scalar Poly1305; the driver names are in its output), behind the crypto
# API's request and scatterlist layers instead of WireGuard's.
#
# usage: labs/bench/guest.sh OUTDIR KO NOTRACE_KO [ROUNDS [SECS [PINGS]]]
# environment: BENCH_VARIANTS (default: the first five), BENCH_CASES (default:
# all six, in the order above), BENCH_CRYPTO (1). make bench's 4-vCPU boot
# runs BENCH_VARIANTS="ours stock" BENCH_CASES=tcp4 BENCH_CRYPTO=0.
# OUTDIR gets, per run, <variant>-<round>-{ping.txt,tcp.json,udp.json,
# udp64.json,loaded-ping.txt,loaded-tcp.json,tcp4.json} (plus -bpftrace.txt
# for "traced", -count.txt for "rawtp", "tpbtf" and "tpcount"),
# crypto-<round>-tcrypt.txt (tcrypt's kernel log lines), runs.txt (one
# line a run, in order), env.txt and guest.log. Raw only: the host turns
# them into a table (labs/bench/report.py).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/vm.sh
# the topology, module loading, the iperf3 client: shared with make profile
. labs/bench/lib.sh

out=$1 ko=$2 notrace_ko=$3
rounds=${4:-4} secs=${5:-3} pings=${6:-20}
variants=$bench_variants
cases=${BENCH_CASES:-ping tcp udp udp64 loaded tcp4}
crypto=${BENCH_CRYPTO:-1}
# the TCP stream under the loaded pings: from 1.5 s before the first ping
# to a second or two after the last
load_secs=$(( (pings + 9) / 10 + 3 ))
[ "$load_secs" -ge "$secs" ] || load_secs=$secs

mkdir -p "$out" /var/run/wireguard && rm -f "$out"/*
export WG_COLOR_MODE=never
start=$(date +%s.%N)

# bpftrace_start FILE - count every wgtour event; returns once every probe
# is attached (bpftrace runs BEGIN after attaching; under TCG that takes
# seconds).
bpftrace_start()
{
	wgt_start_ready "$1" 'bench: attached' 120 bpftrace -e \
		'BEGIN { printf("bench: attached\n"); } tracepoint:wgtour:* { @[probe] = count(); }'
}

# count_start FILE MODE - count every wgtour event with count-events' raw_tp,
# tp_btf or tracepoint programs (MODE); returns once it says they are all
# attached.
count_start()
{
	wgt_start_ready "$1" 'count-events: attached' 120 build/count-events "$2" wgtour
}

# ping_ab FILE - PINGS pings, a -> b.
ping_ab()
{
	ip netns exec wgt-a ping -c "$pings" -i 0.1 -W 2 10.0.0.2 > "$1" 2>&1
}

# measure PREFIX - the cases, in order.
measure()
{
	local c load_pid
	for c in $cases; do
		case $c in
		ping)
			step "  ping x $pings"
			ping_ab "$1-ping.txt" ;;
		tcp)
			step "  iperf3 TCP"
			iperf_ab "$1" tcp -t "$secs" ;;
		udp)
			step "  iperf3 UDP flood, 1368-byte datagrams"
			# 1368 bytes: the TCP MSS inside the tunnel, so no
			# datagram is fragmented.
			iperf_ab "$1" udp -t "$secs" -u -b 0 -l 1368 ;;
		udp64)
			step "  iperf3 UDP flood, 64-byte datagrams"
			iperf_ab "$1" udp64 -t "$secs" -u -b 0 -l 64 ;;
		loaded)
			step "  ping x $pings under an iperf3 TCP stream of $load_secs s"
			iperf_ab "$1" loaded-tcp -t "$load_secs" &
			load_pid=$!
			sleep 1.5
			ping_ab "$1-loaded-ping.txt"
			wait "$load_pid" ;;
		tcp4)
			case $variant in ours|stock) ;; *) continue ;; esac
			step "  iperf3 TCP, 4 streams"
			iperf_ab "$1" tcp4 -t "$secs" -P 4 ;;
		*)
			echo "unknown case $c" >&2
			return 1 ;;
		esac
		sleep 0.3
	done
}

# crypto_run - the crypto ceiling of this round (see the top). tcrypt does
# its work in its init function, prints to the kernel log, and refuses to
# stay loaded (EAGAIN, by design): the lines after our marker are its
# output.
crypto_run()
{
	local f=$out/crypto-$round-tcrypt.txt mark="wgtour-bench: tcrypt round $round" status=ok

	wgt_unload && wgt_stock_unload || status=unload-failed
	modprobe -a chacha20poly1305 chacha_generic poly1305_generic chacha-x86_64 poly1305-x86_64
	echo "$mark" > /dev/kmsg
	modprobe tcrypt mode=213 sec=1 2> /dev/null
	dmesg | sed -n "/$mark\$/,\$p" > "$f"
	grep -q ' 1420 byte blocks): [0-9]* operations' "$f" || status=tcrypt-failed
	echo "crypto $round $status" >> "$out/runs.txt"
	echo "$status"
}

one_run()
{
	local prefix=$out/$variant-$round status=ok

	step "$variant $round: load, topology, handshake"
	load "$variant" || { echo "load failed"; return 1; }
	topo_up || { topo_down; echo "topology failed"; return 1; }
	warm_up "$prefix" || status=no-handshake
	case $variant in
	traced) bpftrace_start "$prefix-bpftrace.txt" || status=bpftrace-failed ;;
	rawtp) count_start "$prefix-count.txt" raw_tp || status=count-failed ;;
	tpbtf) count_start "$prefix-count.txt" tp_btf || status=count-failed ;;
	tpcount) count_start "$prefix-count.txt" tracepoint || status=count-failed ;;
	esac
	measure "$prefix"
	case $variant in
	traced|rawtp|tpbtf|tpcount) wgt_interrupt "$wgt_ready_pid" ;;
	esac
	echo "$variant $round $status $(ls /sys/kernel/tracing/events/wgtour 2>/dev/null |
		grep -vc '^enable$\|^filter$')" >> "$out/runs.txt"
	topo_down
	echo "$status"
}

{
	machine_env
	echo "bpftrace=$(bpftrace --version)"
	echo "wireguard_go=$(wireguard-go --version 2>&1 | head -1)"
	echo "tcrypt=$(modinfo -F filename tcrypt 2>&1)"
	echo "rounds=$rounds secs=$secs pings=$pings"
	echo "variants=$variants"
	echo "cases=$cases"
	echo "crypto=$crypto"
} > "$out/env.txt"

topo_down
for round in $(seq 1 "$rounds"); do
	for variant in $variants; do
		step "round $round/$rounds: $variant"
		one_run 2>&1 | tee -a "$out/guest.log" | tail -1 | sed 's/^/    /'
	done
	if [ "$crypto" = 1 ]; then
		step "round $round/$rounds: crypto ceiling (tcrypt, about 16 s)"
		crypto_run 2>&1 | tee -a "$out/guest.log" | tail -1 | sed 's/^/    /'
	fi
done
wgt_unload
wgt_stock_unload
step "done"
