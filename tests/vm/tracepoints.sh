#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control-path tracepoints are visible to bpftrace as tracepoint:wgtour:*
# and fire with the right arguments. Then count-events (traces/count/,
# make bench's variants rawtp, tpbtf and tpcount; make check builds it)
# counts the wgtour events of a ping through a fresh tunnel, once with each
# kind of program (raw_tp, tp_btf, tracepoint), and its rx_udp count must
# equal an independent one
# of the same window: every datagram that reaches a device's UDP socket
# fires rx_udp once (wgt_receive()), and UDP counts it in the namespace's
# InDatagrams (/proc/net/snmp) when the encap_rcv hook takes it
# (udp_queue_rcv_one_skb() in net/ipv4/udp.c). A fresh tunnel sends
# nothing before the first ping (the handshake is in the window) and
# nothing for 10 s after the last reply (a keepalive), so both
# namespaces' InDatagrams are read after count-events says it is attached
# and before it is stopped, and must have grown by exactly its rx_udp
# count: a tool that counted nothing, missed some or counted twice fails.
# shellcheck disable=SC2034 # some variables are read only in ktap_check's expressions
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/topo.sh"

ktap_plan 7
# every timer at its protocol length (no time_divisor left by another
# test): no keepalive may fall into the counting windows below
wgt_load_default
out=$(mktemp)

ktap_check "bpftrace lists tracepoint:wgtour:device_create" \
	'bpftrace -l "tracepoint:wgtour:*" | grep -qx tracepoint:wgtour:device_create'

# The script exits by itself after the destroy event (or after 120 s). Its
# BEGIN probe runs once every probe is attached ("Attaching N probes" comes
# before); compiling and attaching takes 10-40 s under TCG on a busy host,
# so we wait up to 60 s, the margin rx_paths.sh gives bpftrace too.
bpftrace -e '
BEGIN { printf("ready\n"); }
tracepoint:wgtour:device_create  { printf("create %s\n", str(args->dev)); }
tracepoint:wgtour:device_up      { printf("up %s\n", str(args->dev)); }
tracepoint:wgtour:socket_open    { printf("socket %d %d\n", args->family, args->port); }
tracepoint:wgtour:device_destroy { printf("destroy %s\n", str(args->dev)); exit(); }
interval:s:120 { exit(); }' > "$out" 2>&1 &
pid=$!
wgt_wait_until --every 0.2 60 grep -qx ready "$out"
ip link add wgtrace0 type wireguard
wg set wgtrace0 listen-port 51999
ip link set wgtrace0 up
ip link del wgtrace0
wait $pid
sed 's/^/# /' "$out"

ktap_check "device_create fired with the device name" 'grep -qx "create wgtrace0" "$out"'
ktap_check "socket_open fired for both families on the port" \
	'grep -qx "socket 2 51999" "$out" && grep -qx "socket 10 51999" "$out"'
ktap_check "device_destroy fired with the device name" 'grep -qx "destroy wgtrace0" "$out"'
rm -f "$out"

A=wgt-tpa B=wgt-tpb
ce=$WGTOUR_ROOT/build/count-events
tmp=$(mktemp -d)
trap 'topo_netns_del $A $B; rm -rf "$tmp"' EXIT
umask 077
wgt_keys "$tmp" a b
[ -x "$ce" ] || echo "# $ce is not built (make count-events; make check builds it)"
# wgtour's events, one program each
events=$(find /sys/kernel/tracing/events/wgtour -mindepth 1 -maxdepth 1 -type d | wc -l)

# tunnel_up - a fresh tunnel, wgtpa 10.0.0.1 in A <-> wgtpb 10.0.0.2 in B,
# no packet sent yet
tunnel_up()
{
	topo_netns_del $A $B
	topo_veth_pair $A $B || return 1
	ip -n $A link add wgtpa type wireguard || return 1
	ip -n $B link add wgtpb type wireguard || return 1
	ip netns exec $A wg set wgtpa private-key "$tmp/ka" listen-port 51820 \
		peer "$(cat "$tmp/pb")" allowed-ips 10.0.0.2/32 endpoint 192.0.2.2:51821 || return 1
	ip netns exec $B wg set wgtpb private-key "$tmp/kb" listen-port 51821 \
		peer "$(cat "$tmp/pa")" allowed-ips 10.0.0.1/32 endpoint 192.0.2.1:51820 || return 1
	wgt_dev_up -l $A wgtpa 10.0.0.1/24 && wgt_dev_up -l $B wgtpb 10.0.0.2/24
}

# udp_in NS - UDP's InDatagrams in NS (the line of numbers after the names)
udp_in()
{
	ip netns exec "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $2 }' /proc/net/snmp
}

# count_ping MODE - count-events MODE around 3 pings a -> b through a fresh
# tunnel; sets ce_rc, rx (its rx_udp count), udp (InDatagrams' growth in
# both namespaces) and got (the replies)
count_ping()
{
	local a0 b0
	ce_rc=1 rx='' udp='' got=''
	tunnel_up || { echo "# the tunnel could not be made"; return 1; }
	wgt_start_ready "$tmp/ce.out" 'count-events: attached' 60 "$ce" "$1" wgtour
	a0=$(udp_in $A) b0=$(udp_in $B)
	wgt_ping $A "$tmp/ping" 10.0.0.2 -c 3 -i 0.2 -W 5
	udp=$(( $(udp_in $A) - a0 + $(udp_in $B) - b0 ))
	wgt_interrupt "$wgt_ready_pid"
	ce_rc=$?
	sed 's/^/# /' "$tmp/ce.out"
	rx=$(awk '$1 == "rx_udp" { print $2 }' "$tmp/ce.out")
	got=$(wgt_ping_got "$tmp/ping")
	echo "# $1: rx_udp $rx, InDatagrams +$udp, $got of 3 pings answered"
}

for mode in raw_tp tp_btf tracepoint; do
	count_ping $mode
	ktap_check "count-events $mode: a program per wgtour event; as many rx_udp as UDP's InDatagrams grew by (>= 8)" \
		'[ "$ce_rc" = 0 ] && grep -qx "count-events: attached $events programs ($mode)" "$tmp/ce.out" &&
		 [ "$got" = 3 ] && [ -n "$rx" ] && [ "$rx" = "$udp" ] && [ "$udp" -ge 8 ]'
done
ktap_finish
