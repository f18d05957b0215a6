#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 3's trace: two real handshakes between our module and
# wireguard-go, watched through the wgtour tracepoints and kprobes on the
# Noise functions. Namespace wgt-a holds our "wireguard" device wg0,
# namespace wgt-b holds wireguard-go's wg1; a veth pair joins them.
#
#   1. a pings b: wg0 has no session, so it initiates (we are the initiator);
#      then nothing is sent for a while, and the keepalive timers fire;
#   2. b forgets its peer and pings a: wireguard-go initiates, wg0 answers
#      and waits for the first data message to confirm the new keypair;
#   3. wg0 is deleted: its keypairs are destroyed.
#
# Runs inside the lab VM (the module is loaded by the harness):
#
#   make module && labs/vm/run --name ch3 -- bash traces/samples/ch3-handshake.sh
#
# The trace is printed and written to build/traces/ch3-handshake.txt (the
# guest can write under build/ only); copy it to traces/samples/ to update
# the book. The keys are fixed lab-only strings, so the peers have the same
# names in every recording; indices and timings change from run to run.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/wait.sh
mkdir -p build/traces
out=build/traces/ch3-handshake.txt
raw=$(mktemp)
export WG_COLOR_MODE=never
# Children of this shell keep this name until they exec: that is how the
# trace sees which commands the script ran.
printf 'ch3-script' > /proc/$$/comm

# 32 bytes each, base64: the private keys of wg0 (ours) and wg1 (wireguard-go).
printf 'wgtour book, ch3, our wg0 key...' | base64 > /tmp/ka
printf 'wgtour book, ch3, wireguard-go..' | base64 > /tmp/kb
pa=$(wg pubkey < /tmp/ka)
pb=$(wg pubkey < /tmp/kb)

modprobe tun
mkdir -p /var/run/wireguard
ip netns add wgt-a
ip netns add wgt-b
ip link add veth-a netns wgt-a type veth peer name veth-b netns wgt-b
ip -n wgt-a addr add 192.0.2.1/24 dev veth-a
ip -n wgt-b addr add 192.0.2.2/24 dev veth-b
for n in wgt-a wgt-b; do ip -n $n link set lo up; done
ip -n wgt-a link set veth-a up
ip -n wgt-b link set veth-b up

ip -n wgt-a link add wg0 type wireguard
ip netns exec wgt-a wg set wg0 private-key /tmp/ka listen-port 51820 \
	peer "$pb" allowed-ips 10.0.0.2/32 endpoint 192.0.2.2:51821
ip -n wgt-a addr add 10.0.0.1/24 dev wg0
ip -n wgt-a link set wg0 up

ip netns exec wgt-b wireguard-go -f wg1 > /tmp/wggo.log 2>&1 &
gopid=$!
wgt_wait_until --every 0.2 10 [ -S /var/run/wireguard/wg1.sock ]
ip netns exec wgt-b wg set wg1 private-key /tmp/kb listen-port 51821 \
	peer "$pa" allowed-ips 10.0.0.1/32 endpoint 192.0.2.1:51820
ip -n wgt-b addr add 10.0.0.2/24 dev wg1
ip -n wgt-b link set wg1 up

bpftrace -e '
BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_execve /comm == "ch3-script"/ {
	if (str(args->filename) == "/bin/true") {
		/* the start and end markers */
		if (@t0 == 0) { @t0 = nsecs; } else { exit(); }
	} else if (@t0 != 0) {
		printf("%8d  %-8s $ ", (nsecs - @t0) / 1000, "shell");
		join(args->argv);
	}
}
interval:s:120 { exit(); }
kprobe:wgt_noise_create_initiation, kprobe:wgt_noise_consume_initiation,
kprobe:wgt_noise_create_response, kprobe:wgt_noise_consume_response,
kprobe:wgt_noise_begin_session /@t0 != 0/ {
	printf("%8d  %-8s   %s()\n", (nsecs - @t0) / 1000, comm, func);
}
kretprobe:wgt_keypairs_received_with /@t0 != 0 && retval != 0/ {
	printf("%8d  %-8s   wgt_keypairs_received_with(): next is now current\n",
	       (nsecs - @t0) / 1000, comm);
}
tracepoint:wgtour:tx_handshake_wait /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x queued=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->queued);
}
tracepoint:wgtour:handshake_send /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x type=%d sender_index=%08x err=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->type, args->sender_index, args->err);
}
tracepoint:wgtour:handshake_receive /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x type=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->type);
}
tracepoint:wgtour:handshake_reject /@t0 != 0/ {
	printf("%8d  %-8s     [%s] type=%d reason=%d\n", (nsecs - @t0) / 1000,
	       comm, probe, args->type, args->reason);
}
tracepoint:wgtour:keypair_create /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x index=%08x remote_index=%08x initiator=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->index, args->remote_index,
	       args->initiator);
}
tracepoint:wgtour:keypair_destroy /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x index=%08x\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->index);
}
tracepoint:wgtour:timer_fired /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x what=%s\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], str(args->what));
}
tracepoint:wgtour:keys_zeroed /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x\n", (nsecs - @t0) / 1000,
	       comm, probe, args->peer[0], args->peer[1], args->peer[2], args->peer[3]);
}
tracepoint:wgtour:cookie_send /@t0 != 0/ {
	printf("%8d  %-8s     [%s] receiver_index=%08x err=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->receiver_index, args->err);
}
tracepoint:wgtour:cookie_receive /@t0 != 0/ {
	printf("%8d  %-8s     [%s] ok=%d\n", (nsecs - @t0) / 1000, comm, probe,
	       args->ok);
}
tracepoint:wgtour:under_load /@t0 != 0/ {
	printf("%8d  %-8s     [%s] on=%d\n", (nsecs - @t0) / 1000, comm, probe,
	       args->on);
}
tracepoint:wgtour:socket_send /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x len=%d err=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->len, args->err);
}
tracepoint:wgtour:tx_send /@t0 != 0/ {
	printf("%8d  %-8s     [%s] len=%d err=%d\n", (nsecs - @t0) / 1000, comm,
	       probe, args->len, args->err);
}
tracepoint:wgtour:rx_keepalive /@t0 != 0/ {
	printf("%8d  %-8s     [%s] peer=%02x%02x%02x%02x counter=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, args->peer[0], args->peer[1],
	       args->peer[2], args->peer[3], args->counter);
}
tracepoint:wgtour:rx_drop, tracepoint:wgtour:tx_drop /@t0 != 0/ {
	printf("%8d  %-8s     [%s] reason=%d\n", (nsecs - @t0) / 1000, comm,
	       probe, args->reason);
}
END { clear(@t0); }' > "$raw" 2> "$raw.err" &
bpf=$!
# BEGIN runs once every probe is attached (that takes a while under TCG).
wgt_wait_until --every 0.2 60 grep -qx ready "$raw"
# The start marker: from here on, every command is in the trace.
/bin/true

# 1. We initiate. Then silence: both sides' keepalive timers fire.
/usr/sbin/ip netns exec wgt-a ping -c 1 -W 5 10.0.0.2 > /tmp/ping1.txt
/usr/bin/sleep 12

# 2. wireguard-go forgets us and initiates; we respond.
/usr/sbin/ip netns exec wgt-b wg set wg1 peer "$pa" remove
/usr/sbin/ip netns exec wgt-b wg set wg1 peer "$pa" allowed-ips 10.0.0.1/32 \
	endpoint 192.0.2.1:51820
/usr/sbin/ip netns exec wgt-b ping -c 2 -i 0.5 -W 5 10.0.0.1 > /tmp/ping2.txt
/usr/sbin/ip netns exec wgt-a wg show wg0 > /tmp/wg-show.txt

# 3. Our device goes: its keys with it.
/usr/sbin/ip -n wgt-a link del wg0
/usr/bin/sleep 1

# The end marker: bpftrace exits when it sees this command start.
/bin/true
wait $bpf
kill "$gopid" 2> /dev/null
{
	echo "# chapter 3: two handshakes with wireguard-go (recorded by traces/samples/ch3-handshake.sh)"
	echo "# kernel $(uname -r); wg0 (ours, ns wgt-a) is peer ${pa:0:8}..., wg1 (wireguard-go, ns wgt-b) is ${pb:0:8}..."
	echo "# peer=XXXXXXXX: the first 4 bytes of that peer's public key in hex"
	echo "# columns: microseconds, process, what happened"
	echo "#   \$ ...    a command the script ran"
	echo "#   f()      the module function was entered (kprobe)"
	echo "#   [event]  a wgtour tracepoint fired"
	# Reasons are numbers in bpftrace's output: name them.
	grep -v -e '^Attaching' -e '^ready$' -e '^$' "$raw" |
		sed -e 's/tracepoint:wgtour://' -f <(traces/reasons.sh --sed)
	echo "#"
	echo "# the pings:"
	grep -h -e 'bytes from' -e 'packet loss' /tmp/ping1.txt /tmp/ping2.txt |
		sed 's/^/#   /'
	echo "# \"wg show wg0\" before the device was deleted:"
	sed 's/^/#   /' /tmp/wg-show.txt
} > "$out"
cat "$raw.err" >&2
rm -f "$raw" "$raw.err"
cat "$out"
