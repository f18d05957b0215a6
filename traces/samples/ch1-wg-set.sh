#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 1's trace: create a device, bring it up, configure it with one
# "wg set", read it back with "wg show", try a listen port that is taken,
# delete it -- with bpftrace watching the wgtour tracepoints and a kprobe on
# each configuration function of the module. Runs inside the lab VM:
#
#   labs/vm/run --name book-trace -- traces/samples/ch1-wg-set.sh
#
# The guest can write only under build/, so the trace lands in
# build/traces/ch1-wg-set.txt; copy it to traces/samples/ to update the book.
# The keys are fixed lab-only strings, so two recordings differ only in
# timings and addresses.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/wait.sh
mkdir -p build/traces
out=build/traces/ch1-wg-set.txt
raw=$(mktemp)

# 32 bytes each, base64: a private key for wg0 and one for the peer.
printf 'wgtour book, chapter 1, wg0 key.' | base64 > /tmp/wg0.key
peer=$(printf 'wgtour book, chapter 1, the peer' | base64 | wg pubkey)

bpftrace -e '
BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_execve /comm == "ch1-wg-set.sh"/ {
	if (str(args->filename) == "/bin/true") {
		/* the start and end markers */
		if (@t0 == 0) { @t0 = nsecs; } else { exit(); }
	} else if (@t0 != 0) {
		printf("%7d  %-5s $ ", (nsecs - @t0) / 1000, "shell");
		join(args->argv);
	}
}
interval:s:120 { exit(); }
kprobe:wgt_newlink, kprobe:wgt_dellink, kprobe:wgt_destruct,
kprobe:wgt_open, kprobe:wgt_stop,
kprobe:wgt_socket_open, kprobe:wgt_socket_close,
kprobe:wgt_set_device, kprobe:wgt_lookup_device, kprobe:wgt_validate_peer,
kprobe:wgt_set_peer, kprobe:wgt_pubkey_table_lookup, kprobe:wgt_peer_create,
kprobe:wgt_allowedips_insert, kprobe:wgt_peer_remove_all,
kprobe:wgt_get_device_start, kprobe:wgt_get_device_done {
	printf("%7d  %-5s   %s()\n", (nsecs - @t0) / 1000, comm, func);
}
kprobe:wgt_get_device_dump {
	printf("%7d  %-5s   %s()\n", (nsecs - @t0) / 1000, comm, func);
}
kretprobe:wgt_get_device_dump {
	printf("%7d  %-5s   wgt_get_device_dump() returned %d\n", (nsecs - @t0) / 1000,
	       comm, retval);
}
kretprobe:wgt_set_device {
	printf("%7d  %-5s   wgt_set_device() returned %d\n", (nsecs - @t0) / 1000,
	       comm, retval);
}
tracepoint:wgtour:device_create, tracepoint:wgtour:device_destroy,
tracepoint:wgtour:device_up, tracepoint:wgtour:device_down {
	printf("%7d  %-5s     [%s] dev=%s ifindex=%d\n", (nsecs - @t0) / 1000, comm,
	       probe, str(args->dev), args->ifindex);
}
tracepoint:wgtour:socket_open, tracepoint:wgtour:socket_close {
	printf("%7d  %-5s     [%s] dev=%s family=%s port=%d\n", (nsecs - @t0) / 1000,
	       comm, probe, str(args->dev), args->family == 10 ? "ipv6" : "ipv4",
	       args->port);
}
tracepoint:wgtour:netlink_set {
	printf("%7d  %-5s     [%s] dev=%s changed=0x%x peers=%d err=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, str(args->dev), args->changed,
	       args->peers, args->err);
}
tracepoint:wgtour:peer_create, tracepoint:wgtour:peer_remove {
	printf("%7d  %-5s     [%s] dev=%s peer=%02x%02x%02x%02x... peers_now=%d\n",
	       (nsecs - @t0) / 1000, comm, probe, str(args->dev),
	       args->peer[0], args->peer[1], args->peer[2], args->peer[3], args->peers_now);
}
tracepoint:wgtour:allowedips_insert, tracepoint:wgtour:allowedips_remove {
	printf("%7d  %-5s     [%s] family=%s cidr=%d\n", (nsecs - @t0) / 1000, comm,
	       probe, args->family == 10 ? "ipv6" : "ipv4", args->cidr);
}
END { clear(@t0); }' > "$raw" 2> "$raw.err" &
bpf=$!
# BEGIN runs once every probe is attached (that takes a while under TCG).
wgt_wait_until --every 0.2 60 grep -qx ready "$raw"
# The start marker: from here on, every command is in the trace.
/bin/true

# The traced commands. Nothing else may run from this script until the
# end marker.
/usr/bin/ip link add wg0 type wireguard
/usr/bin/ip link set wg0 up
/usr/bin/wg set wg0 listen-port 51820 private-key /tmp/wg0.key \
	peer "$peer" allowed-ips 10.0.0.2/32,fd00::2/128 endpoint 192.0.2.2:51820
/usr/bin/wg show wg0 > /tmp/wg-show.txt
/usr/bin/ip link add wg1 type wireguard
/usr/bin/wg set wg1 listen-port 51821
/usr/bin/ip link set wg1 up
/usr/bin/wg set wg0 listen-port 51821 2> /tmp/wg-set-err.txt
/usr/bin/ip link del wg1
/usr/bin/ip link del wg0

# The end marker: bpftrace exits when it sees this command start.
/bin/true
wait $bpf
{
	echo "# chapter 1: one device's life, traced (recorded by traces/samples/ch1-wg-set.sh)"
	echo "# kernel $(uname -r); columns: microseconds, process, what happened"
	echo "#   \$ ...    a command the script ran"
	echo "#   f()      the module function was entered (kprobe)"
	echo "#   [event]  a wgtour tracepoint fired"
	grep -v -e '^Attaching' -e '^ready$' -e '^$' "$raw"
	echo "#"
	echo "# what \"wg show wg0\" printed:"
	sed 's/^/#   /' /tmp/wg-show.txt
	echo "# what the failing \"wg set wg0 listen-port 51821\" printed:"
	sed 's/^/#   /' /tmp/wg-set-err.txt
} > "$out"
cat "$raw.err" >&2
rm -f "$raw" "$raw.err"
cat "$out"
