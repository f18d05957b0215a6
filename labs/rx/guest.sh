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
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
out=${1:-build/labs/rx}
pings=${2:-5}
secs=${3:-2}
mkdir -p "$out"
rm -f "$out"/trace.txt "$out"/summary.txt "$out"/*.svg "$out"/*.dot
start=$(date +%s.%N)

# step TEXT: a progress line, with the seconds since the lab started.
step()
{
	printf '\033[1m==> [%5.1f s] %s\033[0m\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
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
	step "one ping: it starts the handshake (traced too), then goes through"
	ip netns exec wgt-a ping -q -c 1 -W 10 10.0.0.2 > /dev/null
}

# The kernel's drop reasons, by number, from the kfree_skb event's format:
# render.py prints them by name.
drop_reasons()
{
	grep -o '{ [0-9]*, "[A-Z_0-9]*" }' /sys/kernel/tracing/events/skb/kfree_skb/format |
		sed 's/{ \([0-9]*\), "\(.*\)" }/# drop_reason \1 \2/'
}

# bpftrace compiles the script with LLVM, which is slow under QEMU's TCG:
# it starts first and the topology is built while it compiles.
trace_start()
{
	step "starting bpftrace traces/rx.bt in the background (compiling takes a while under QEMU)"
	drop_reasons > "$out/trace.txt"
	# A large perf buffer (pages per CPU): the TCP stream comes in bursts
	# faster than bpftrace's userspace, slowed down by TCG, prints them.
	BPFTRACE_PERF_RB_PAGES=2048 bpftrace traces/rx.bt >> "$out/trace.txt" \
		2> "$out/bpftrace.err" &
	bt_pid=$!
}

trace_wait()
{
	local i
	# BEGIN prints the header once every probe is attached.
	for i in $(seq 1500); do
		if grep -q '^# wgtour rx trace' "$out/trace.txt"; then
			step "bpftrace is attached: tracing"
			return 0
		fi
		kill -0 "$bt_pid" 2>/dev/null || break
		[ $((i % 50)) = 0 ] && step "still waiting for bpftrace to attach"
		sleep 0.2
	done
	echo "lab-rx: bpftrace did not start:"
	cat "$out/bpftrace.err"
	return 1
}

traffic()
{
	step "traffic: $pings pings wgt-a -> wgt-b (10.0.0.2), 0.2 s apart"
	ip netns exec wgt-a ping -c "$pings" -i 0.2 -W 5 10.0.0.2 | sed -n 's/^/    /; /packets transmitted/p; /rtt/p'
	[ "$secs" = 0 ] && return 0
	step "traffic: iperf3 TCP wgt-a -> wgt-b, $secs s at 2 Mbit/s (data received by wgt-b, ACKs by wgt-a)"
	ip netns exec wgt-b iperf3 -s -1 -D -B 10.0.0.2
	sleep 0.5
	ip netns exec wgt-a iperf3 -c 10.0.0.2 -t "$secs" -b 2M -f m |
		sed -n 's/^/    /; /sender$/p; /receiver$/p'
}

trace_stop()
{
	local size=-1 now i=0
	# bpftrace's userspace prints far slower than the kernel traces under
	# TCG, and on SIGINT it drops what it has not printed yet: wait until
	# the trace stops growing first.
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

{
	echo "wgtour lab-rx on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $([ -d /sys/module/wgtour ] && echo yes || echo no)," \
		"stock wireguard.ko loaded: $([ -d /sys/module/wireguard ] && echo yes || echo no)"
	topo_down	# a namespace left over from an earlier run
	trace_start
	step "topology: netns wgt-a (10.0.0.1) and wgt-b (10.0.0.2), one wgtour wg0 each, a veth between"
	topo_up > /dev/null || { echo "lab-rx: building the topology failed"; exit 1; }
	trace_wait || exit 1
	peers_up || { echo "lab-rx: the handshake failed"; ip netns exec wgt-a wg show; exit 1; }
	traffic
	trace_stop
	topo_down
	explain
	# Python is slow under TCG: make lab-rx renders on the host instead.
	if [ "${WGT_RX_RENDER:-}" != host ]; then
		step "rendering: python3 traces/render.py"
		python3 traces/render.py "$out/trace.txt" --out "$out" || exit 1
	fi
} 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' > "$out/summary.txt")
rc=${PIPESTATUS[0]}
wait $! 2> /dev/null	# the sed writing summary.txt
exit "$rc"
