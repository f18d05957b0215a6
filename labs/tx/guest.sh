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
# The steps it shares with the reception lab are in labs/lib.sh.
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
. labs/lib.sh
out=${1:-build/labs/tx}
secs=${2:-1}
rate=${3:-0}
lab='lab-tx'
lab_bt=(traces/tx.bt 10 0 0 2)
lab_header='# wgtour tx trace'
lab_render=traces/render_tx.py
lab_render_mode=${WGT_TX_RENDER:-}

banner()
{
	echo "wgtour lab-tx on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $(loaded wgtour)"
}

peers_up()
{
	peers_set && return 0
	echo "lab-tx: configuring the peers failed"
	return 1
}

traffic()
{
	step "traffic: one ping wgt-a -> wgt-b (10.0.0.2): no session yet, it waits for the handshake"
	ping_b -c 1 -W 10
	iperf3_b "$secs" "$rate" \
		"traffic: iperf3 TCP wgt-a -> wgt-b, $secs s, rate $rate (0: unlimited): large TCP skbs, GSO"
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
  5. A CPU's kworker encrypts it in place (tx_encrypt) and wakes the peer's
     transmit work, which runs on the peer's one CPU and sends the peer's
     packets in nonce order, each once it is encrypted: the UDP send queues
     the outer datagram on the veth (net_dev_queue) and returns (tx_send).
Below: one GSO skb's journey, segment by segment (microseconds since tx_xmit;
slow because QEMU emulates the CPUs), then every traced packet's stages in numbers.
TEXT
}

lab_guest_main
