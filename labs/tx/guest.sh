#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The transmission lab, inside the VM (make lab-tx boots the VM with it).
# Two namespaces, a wgtour device in each (labs/topo/two-peers.sh), peers
# configured both ways. traces/tx.bt starts first, on the sending side
# (packets to 10.0.0.2 only), so the first ping waits for the handshake;
# then a short iperf3 TCP stream from wgt-a to wgt-b, whose large TCP skbs
# wgtour cuts into segments (GSO) and encrypts on several CPUs.
# traces/render_tx.py turns the trace into a summary and two pictures.
#
# usage: labs/tx/guest.sh [OUTDIR [IPERF_SECONDS [RATE]]]
#        (defaults: build/labs/tx, a 1-second stream, RATE 0: as fast as
#        it goes, so that TCP builds large GSO packets; at a few Mbit/s its
#        pacing keeps them at 2 segments)
# OUTDIR gets: trace.txt (raw), summary.txt (what is printed), swimlane.svg,
# stages.svg and stages.dot, bpftrace.err. With WGT_TX_RENDER=host in the
# environment, the rendering (traces/render_tx.py) is left to the caller.
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
out=${1:-build/labs/tx}
secs=${2:-1}
rate=${3:-0}
mkdir -p "$out"
rm -f "$out"/trace.txt "$out"/summary.txt "$out"/*.svg "$out"/*.dot
start=$(date +%s.%N)

step()
{
	printf '\033[1m==> [%5.1f s] %s\033[0m\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
}

drop_reasons()
{
	grep -o '{ [0-9]*, "[A-Z_0-9]*" }' /sys/kernel/tracing/events/skb/kfree_skb/format |
		sed 's/{ \([0-9]*\), "\(.*\)" }/# drop_reason \1 \2/'
}

trace_start()
{
	step "starting bpftrace traces/tx.bt 10 0 0 2 in the background (compiling takes a while under QEMU)"
	drop_reasons > "$out/trace.txt"
	BPFTRACE_PERF_RB_PAGES=2048 bpftrace traces/tx.bt 10 0 0 2 >> "$out/trace.txt" \
		2> "$out/bpftrace.err" &
	bt_pid=$!
}

trace_wait()
{
	local i
	for i in $(seq 1500); do
		if grep -q '^# wgtour tx trace' "$out/trace.txt"; then
			step "bpftrace is attached: tracing"
			return 0
		fi
		kill -0 "$bt_pid" 2>/dev/null || break
		[ $((i % 50)) = 0 ] && step "still waiting for bpftrace to attach"
		sleep 0.2
	done
	echo "lab-tx: bpftrace did not start:"
	cat "$out/bpftrace.err"
	return 1
}

peers_up()
{
	local pa pb
	pa=$(cat /tmp/topo-a.pub) pb=$(cat /tmp/topo-b.pub)
	step "peers: wgt-a knows wgt-b at 192.0.2.2:51821 and the other way round"
	ip netns exec wgt-a wg set wg0 peer "$pb" allowed-ips 10.0.0.2/32,fd00::2/128 \
		endpoint 192.0.2.2:51821 || return 1
	ip netns exec wgt-b wg set wg0 peer "$pa" allowed-ips 10.0.0.1/32,fd00::1/128 \
		endpoint 192.0.2.1:51820 || return 1
}

traffic()
{
	step "traffic: one ping wgt-a -> wgt-b (10.0.0.2): no session yet, it waits for the handshake"
	ip netns exec wgt-a ping -c 1 -W 10 10.0.0.2 | sed -n 's/^/    /; /packets transmitted/p; /rtt/p'
	[ "$secs" = 0 ] && return 0
	step "traffic: iperf3 TCP wgt-a -> wgt-b, $secs s, rate $rate (0: unlimited): large TCP skbs, GSO"
	ip netns exec wgt-b iperf3 -s -1 -D -B 10.0.0.2
	sleep 0.5
	ip netns exec wgt-a iperf3 -c 10.0.0.2 -t "$secs" -b "$rate" -f m |
		sed -n 's/^/    /; /sender$/p; /receiver$/p'
}

trace_stop()
{
	local size=-1 now i=0
	step "waiting for bpftrace to print everything it traced"
	while now=$(stat -c %s "$out/trace.txt") && [ "$now" != "$size" ]; do
		size=$now
		i=$((i + 1))
		[ $((i % 5)) = 0 ] && step "bpftrace is still printing: $(grep -c . "$out/trace.txt") lines so far"
		sleep 1
	done
	step "stopping bpftrace"
	kill -INT "$bt_pid"
	wait "$bt_pid"
	grep -v '^#' "$out/trace.txt" | grep -c . | sed 's/^/    events traced: /'
	grep -h '^Lost [0-9]* events' "$out/trace.txt" |
		awk '{ n += $2 } END { if (n) print "    bpftrace lost " n " events (its buffer overflowed)" }'
}

explain()
{
	cat <<'TEXT'

How a packet is sent (chapter 5, module/send.c):
  1. The stack hands wgtour a packet (ndo_start_xmit, tx_xmit); a TCP stream's
     packet is often one large GSO skb of many MSS-sized segments (gso_segs=N).
  2. Cryptokey routing finds the peer from the inner destination (tx_route).
  3. WireGuard encrypts datagram by datagram, so a GSO skb is cut here
     (tx_gso_split, then tx_gso_segment for each segment; the parent is freed).
  4. Each segment is staged on the peer's queue (tx_stage); with a session, it
     gets its nonce (tx_nonce) and goes into the device's encrypt ring, a CPU
     picked round robin (tx_encrypt_enqueue, encrypt_cpu=N).
  5. That CPU's kworker encrypts it in place (tx_encrypt); whichever worker finds
     the peer's oldest packet encrypted sends it, in nonce order: the UDP send
     queues the outer datagram on the veth (net_dev_queue) and returns (tx_send).
Below: one GSO skb's journey, segment by segment (microseconds since tx_xmit;
slow because QEMU emulates the CPUs), then every traced packet's stages in numbers.
TEXT
}

{
	echo "wgtour lab-tx on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $([ -d /sys/module/wgtour ] && echo yes || echo no)"
	topo_down
	trace_start
	step "topology: netns wgt-a (10.0.0.1) and wgt-b (10.0.0.2), one wgtour wg0 each, a veth between"
	topo_up > /dev/null || { echo "lab-tx: building the topology failed"; exit 1; }
	trace_wait || exit 1
	peers_up || { echo "lab-tx: configuring the peers failed"; exit 1; }
	traffic
	trace_stop
	topo_down
	explain
	if [ "${WGT_TX_RENDER:-}" != host ]; then
		step "rendering: python3 traces/render_tx.py"
		python3 traces/render_tx.py "$out/trace.txt" --out "$out" || exit 1
	fi
} 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' > "$out/summary.txt")
rc=${PIPESTATUS[0]}
wait $! 2> /dev/null
exit "$rc"
