#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 5's sample trace: transmission, seen through wgtour's tx_* events.
# Two namespaces with a wgtour device each (labs/topo/two-peers.sh). The
# trace starts before the first ping, so that ping waits for a handshake
# (tx_handshake_wait) before it gets its nonce; then one second of iperf3
# TCP from wgt-a to wgt-b. bpftrace prints the ping's path and the path of
# the first GSO packet of 8 segments or more (every segment, which CPU
# encrypted it, in which order it left), and counts everything else in
# maps printed at the end.
#
# Run on the host; it boots the lab VM and runs itself inside:
#
#   make module && traces/samples/ch5-tx-trace.sh
#
# Writes traces/samples/ch5-tx-trace.txt. Addresses, CPUs and timings
# change from run to run.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=build/traces/ch5-tx

if [ "${WGT_CH5_GUEST:-}" != 1 ]; then
	mkdir -p "$out"
	labs/vm/run --name ch5 --timeout 600 -- \
		env WGT_CH5_GUEST=1 bash traces/samples/ch5-tx-trace.sh || exit 1
	{
		echo "# chapter 5: transmission (recorded by traces/samples/ch5-tx-trace.sh on $(labs/vm/kver))"
		cat "$out/trace.txt"
	} > traces/samples/ch5-tx-trace.txt
	exit 0
fi

# --- inside the lab VM ---
. labs/topo/two-peers.sh
. tests/lib/wait.sh
mkdir -p "$out"
topo_up > /dev/null || exit 1
pa=$(cat /tmp/topo-a.pub) pb=$(cat /tmp/topo-b.pub)
ip netns exec wgt-a wg set wg0 peer "$pb" allowed-ips 10.0.0.2/32 \
	endpoint 192.0.2.2:51821 || exit 1
ip netns exec wgt-b wg set wg0 peer "$pa" allowed-ips 10.0.0.1/32 \
	endpoint 192.0.2.1:51820 || exit 1

# Times are microseconds since the ping's tx_xmit; bpftrace prints each
# CPU's buffer in turn, so the events are sorted by time at the end. @f holds the
# skbs being followed (the ping, then the GSO packet's segments); @on[cpu]
# says "the segments being staged on this CPU belong to the followed
# packet". Only wgt-a's packets to 10.0.0.2 are followed.
cat > /tmp/ch5.bt <<'BT'
BEGIN { printf("# tracing\n"); }

tracepoint:wgtour:tx_xmit
{
	@xmits = count();
	@gso_segs = lhist(args->arg, 0, 48, 4);
	if (args->daddr[15] == 2 && args->daddr[14] == 0 &&
	    ((@ping == 0 && args->arg == 0) || (@ping == 1 && @gso == 0 && args->arg >= 8))) {
		if (@ping == 0) { @ping = 1; @t0 = nsecs; } else { @gso = 1; @t1 = nsecs; }
		@f[(uint64)args->skbaddr] = 1;
		@parent = (uint64)args->skbaddr;
		@on[cpu] = 1;
		printf("%8lu cpu%d %-18s skb=%lx len=%u gso_segs=%u to 10.0.0.%u\n",
		       (nsecs - @t0) / 1000, cpu, "tx_xmit", (uint64)args->skbaddr,
		       args->len, args->arg, args->daddr[15]);
	}
}

tracepoint:wgtour:tx_route
/ @f[(uint64)args->skbaddr] /
{
	printf("%8lu cpu%d %-18s skb=%lx peer=%02x%02x%02x%02x...\n",
	       (nsecs - @t0) / 1000, cpu, "tx_route", (uint64)args->skbaddr,
	       args->key[0], args->key[1], args->key[2], args->key[3]);
}

tracepoint:wgtour:tx_gso_split
{
	@splits = count();
	if ((uint64)args->parent == @parent && @f[@parent]) {
		printf("%8lu cpu%d %-18s parent=%lx first=%lx segs=%u\n",
		       (nsecs - @t0) / 1000, cpu, "tx_gso_split", (uint64)args->parent,
		       (uint64)args->skbaddr, args->segs);
		delete(@f[@parent]);
		@f[(uint64)args->skbaddr] = 1;
	}
}

tracepoint:wgtour:tx_gso_segment
/ @on[cpu] /
{
	@f[(uint64)args->skbaddr] = 1;
	printf("%8lu cpu%d %-18s skb=%lx len=%u n=%u\n", (nsecs - @t0) / 1000, cpu,
	       "tx_gso_segment", (uint64)args->skbaddr, args->len, args->arg);
}

tracepoint:wgtour:tx_stage
/ @on[cpu] && @f[(uint64)args->skbaddr] /
{
	printf("%8lu cpu%d %-18s skb=%lx len=%u queued_before=%u\n", (nsecs - @t0) / 1000,
	       cpu, "tx_stage", (uint64)args->skbaddr, args->len, args->arg);
}

tracepoint:wgtour:tx_handshake_wait
{
	@on[cpu] = 0;
	printf("%8lu cpu%d %-18s dev=%s queued=%u\n", (nsecs - @t0) / 1000, cpu,
	       "tx_handshake_wait", str(args->name), args->queued);
}

tracepoint:wgtour:tx_nonce
{
	@on[cpu] = 0;
	if (@f[(uint64)args->skbaddr]) {
		printf("%8lu cpu%d %-18s skb=%lx index=%08x counter=%lu\n",
		       (nsecs - @t0) / 1000, cpu, "tx_nonce", (uint64)args->skbaddr,
		       args->remote_index, args->counter);
	}
}

tracepoint:wgtour:tx_encrypt_enqueue
/ @f[(uint64)args->skbaddr] /
{
	printf("%8lu cpu%d %-18s skb=%lx worker_cpu=%d\n", (nsecs - @t0) / 1000, cpu,
	       "tx_encrypt_enqueue", (uint64)args->skbaddr, args->cpu);
}

tracepoint:wgtour:tx_encrypt
{
	@encrypted_on_cpu[cpu] = count();
	if (@f[(uint64)args->skbaddr]) {
		printf("%8lu cpu%d %-18s skb=%lx ok=%d len=%u (%s)\n", (nsecs - @t0) / 1000,
		       cpu, "tx_encrypt", (uint64)args->skbaddr, args->ok, args->len, comm);
	}
}

tracepoint:wgtour:tx_send
{
	@sends = count();
	@send_len = hist(args->len);
	if (@f[(uint64)args->skbaddr]) {
		printf("%8lu cpu%d %-18s skb=%lx len=%u err=%d (%s)\n", (nsecs - @t0) / 1000,
		       cpu, "tx_send", (uint64)args->skbaddr, args->len, args->err, comm);
		delete(@f[(uint64)args->skbaddr]);
	}
}

tracepoint:wgtour:tx_drop
{
	@drops[args->reason] = count();
}

END
{
	clear(@f); clear(@on); clear(@t0); clear(@t1);
	clear(@parent); clear(@ping); clear(@gso);
}
BT

BPFTRACE_PERF_RB_PAGES=1024 bpftrace /tmp/ch5.bt > "$out/trace.txt" 2> "$out/bpftrace.err" &
bt=$!
wgt_wait_until --every 0.2 120 grep -q '^# tracing' "$out/trace.txt"
ip netns exec wgt-b iperf3 -s -1 -D -B 10.0.0.2
ip netns exec wgt-a ping -c 1 -W 10 10.0.0.2 > /dev/null || echo "ping failed"
ip netns exec wgt-a iperf3 -c 10.0.0.2 -t 1 -f m > "$out/iperf3.txt" 2>&1
sleep 2
kill -INT "$bt"
wait "$bt"
# Reasons are numbers in bpftrace's output: name them.
sed -i -e '/^# tracing/d; /^Attaching/d' -f <(traces/reasons.sh --sed) "$out/trace.txt"
{
	grep -E '^ *[0-9]+ cpu' "$out/trace.txt" | sort -n -s
	echo
	echo "# counted over the whole run (both devices):"
	grep -v -E '^ *[0-9]+ cpu' "$out/trace.txt" | cat -s
} > "$out/sorted.txt"
mv "$out/sorted.txt" "$out/trace.txt"
{
	echo
	echo "# iperf3, wgt-a -> wgt-b:"
	grep -E 'sender|receiver' "$out/iperf3.txt"
} >> "$out/trace.txt"
cat "$out/trace.txt"
