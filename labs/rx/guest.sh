#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reception lab, inside the VM (make lab-rx boots the VM with it).
# Two namespaces, a wgtour device in each (labs/topo/two-peers.sh), peers
# configured both ways; one ping to complete the handshake, then, under
# traces/rx.bt: pings from wgt-a to wgt-b and a short iperf3 TCP stream.
# Every packet a wg0 receives is traced stage by stage, in wgtour and in
# the kernel, and traces/render.py turns the trace into a summary and two
# pictures.
#
# usage: labs/rx/guest.sh [OUTDIR [PINGS [IPERF_SECONDS]]]
#        (defaults: build/labs/rx, 5 pings, a 2-second stream; 0: no stream)
# OUTDIR gets: trace.txt (raw), summary.txt (what is printed), swimlane.svg,
# stages.svg and stages.dot, bpftrace.err. With WGT_RX_RENDER=host in the
# environment, the rendering (traces/render.py) is left to the caller.
# The steps it shares with the transmission lab are in labs/lib.sh.
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
. labs/lib.sh
out=${1:-build/labs/rx}
pings=${2:-5}
secs=${3:-2}
lab='lab-rx'
lab_bt=(traces/rx.bt)
lab_header='# wgtour rx trace'
lab_render=traces/render.py
lab_render_mode=${WGT_RX_RENDER:-}

banner()
{
	echo "wgtour lab-rx on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $(loaded wgtour)," \
		"stock wireguard.ko loaded: $(loaded wireguard)"
}

# peers_up: the peers, then one ping to complete the handshake.
peers_up()
{
	if peers_set; then
		step "one ping: it starts the handshake (traced too), then goes through"
		ip netns exec wgt-a ping -q -c 1 -W 10 10.0.0.2 > /dev/null && return 0
	fi
	echo "lab-rx: the handshake failed"
	ip netns exec wgt-a wg show
	return 1
}

traffic()
{
	step "traffic: $pings pings wgt-a -> wgt-b (10.0.0.2), 0.2 s apart"
	ping_b -c "$pings" -i 0.2 -W 5
	iperf3_b "$secs" 2M \
		"traffic: iperf3 TCP wgt-a -> wgt-b, $secs s at 2 Mbit/s (data received by wgt-b, ACKs by wgt-a)"
}

explain()
{
	cat <<'TEXT'

How a packet is received (chapter 4, module/receive.c):
  1. The outer UDP datagram reaches wgtour's socket hook (encap_rcv -> wgt_receive),
     in softirq context: rx_udp, then rx_classify tells data from handshake messages.
  2. A data message is queued twice: on its peer's queue (this fixes the delivery
     order) and on the device's decrypt ring; a CPU is picked round-robin
     (rx_data_enqueue, decrypt_cpu=N).
  3. That CPU's decrypt worker, a kworker in process context, decrypts it
     (rx_decrypt) and schedules the peer's NAPI instance (rx_napi_schedule).
  4. NAPI polls in softirq context (rx_napi_poll_begin): it takes packets from the
     front of the peer's queue only, so they leave in arrival order; each gets its
     counter checked against the replay window (rx_replay_check) and is handed to
     GRO (napi_gro_receive_entry, rx_deliver), then to the IP stack
     (netif_receive_skb), which consumes it in the end (consume_skb).
Context: "softirq" runs in whatever task was on that CPU (here often a kworker:
the sender's own wgtour worker, whose transmission over the veth raised the
softirq) or in ksoftirqd/N; "task" is process context, where a worker may sleep.
Below: one packet's path (microseconds since its first stage; slow because QEMU
emulates the CPUs), then every traced packet's stages in numbers.
TEXT
}

lab_guest_main
