#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The life of a device (chapter 1), inside the VM (make lab-init boots the
# VM with it). Under traces/init.bt: wg0 is created in netns wgt-a,
# configured with one "wg set" (a key, a port, a peer), brought up (its
# sockets open), read back with "wg show", moved to wgt-b, brought up
# there (its sockets open again, in wgt-a), and deleted. Then wg1, born in
# wgt-a and moved to wgt-b, is deleted by wgtour when wgt-a goes away.
# traces/render_init.py turns the trace into a summary and a timeline.
#
# usage: labs/init/guest.sh [OUTDIR]   (default: build/labs/init)
# OUTDIR gets: trace.txt (raw, with the namespaces' names), summary.txt
# (what is printed), timeline.svg, bpftrace.err. With WGT_INIT_RENDER=host
# in the environment, the rendering is left to the caller. The steps it
# shares with the other labs are in labs/lib.sh.
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/netns.sh
. labs/lib.sh
. tests/lib/wait.sh
lab_define init traces/render_init.py "${1:-}"
A=wgt-a B=wgt-b
# Lab-only keys, fixed so that two runs differ only in times and numbers.
key=/tmp/lab-init.key
(umask 077; printf 'wgtour lab-init, wg0 key........' | base64 > "$key")
peer=$(printf 'wgtour lab-init, the peer.......' | base64 | wg pubkey)

banner()
{
	echo "wgtour lab-init on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $(loaded wgtour)"
}

# While bpftrace compiles: the two namespaces only. The device is born
# under the trace.
topology()
{
	step "two empty network namespaces, $A and $B"
	topo_netns_add "$A" "$B" || return 1
	# Their names for the renderer, by inode number (the netns= of the
	# events); added to the trace once bpftrace has stopped.
	ns_names=$(printf '# netns %s %s\n' "$(stat -L -c %i /proc/self/ns/net)" init \
		"$(stat -L -c %i "/run/netns/$A")" "$A" "$(stat -L -c %i "/run/netns/$B")" "$B")
}

teardown()
{
	topo_netns_del "$A" "$B"
}

after_trace()
{
	echo "$ns_names" >> "$out/trace.txt"
}

# sockets: the UDP sockets each namespace holds (ss, not traced).
sockets()
{
	local ns
	for ns in "$A" "$B"; do
		echo "    UDP sockets in $ns: $(ip netns exec "$ns" ss -Huan | awk '{ printf "%s ", $4 }')"
	done
}

wg1_gone()
{
	! ip -n "$B" link show wg1 > /dev/null 2>&1
}

traffic()
{
	step "birth: wg0 is created in $A (rtnetlink: newlink)"
	run ip -n "$A" link add wg0 type wireguard
	step "configuration over generic netlink: a private key, a listen port, one peer"
	run ip netns exec "$A" wg set wg0 private-key "$key" listen-port 51820 \
		peer "$peer" allowed-ips 10.0.0.2/32,fd00::2/128 endpoint 192.0.2.2:51820
	step "up in $A: the sockets open"
	run ip -n "$A" link set wg0 up
	sockets
	step "read back: wg show, a generic-netlink dump"
	run ip netns exec "$A" wg show wg0 | sed 's/^/    /'
	step "moved to $B: the core takes the device down first"
	run ip -n "$A" link set wg0 netns "$B"
	step "up in $B: the sockets open again, in $A, the birth namespace"
	run ip -n "$B" link set wg0 up
	sockets
	step "deleted in $B"
	run ip -n "$B" link del wg0
	step "wg1, born in $A and moved to $B; then $A goes away"
	run ip -n "$A" link add wg1 type wireguard
	run ip -n "$A" link set wg1 netns "$B"
	run ip netns del "$A"
	if wgt_wait_until 30 wg1_gone; then
		echo "    wg1 is gone from $B: wgtour deleted it with its birth namespace"
	else
		echo "    wg1 is still in $B after 30 s"
	fi
}

explain()
{
	cat <<'TEXT'

How a device lives (chapter 1, module/device.c, netlink.c, socket.c):
  1. "ip link add" is an rtnetlink request: the core finds our link kind and
     calls wgt_newlink() (newlink), which registers the device (device_create).
     The namespace the request came from is the device's birth namespace,
     wg->creating_net: its sockets will always be opened there.
  2. "wg set" and "wg show" speak generic netlink: a first request asks the
     controller for the family "wireguard" by name (type 16), then the
     request goes to that family: a set (wgt_set_device: netlink_set, peers,
     allowed IPs) or a dump (dump_start, one message per dump_part, dump_done).
  3. Up opens a UDP socket per family (socket_open), down closes them; a
     move takes the device down first (dev_move, socket_close, device_down).
  4. Up in wgt-b opens the sockets again, in wgt-a: socket_open's netns is
     the birth namespace's, the device_up's the namespace it lives in.
  5. When a namespace goes away (netns_pre_exit), wgtour deletes the devices
     born there, wherever they live: their sockets could never open again.
Below: every event in order, then what the trace shows. Times are those of
an emulated machine.
TEXT
}

lab_guest_main
