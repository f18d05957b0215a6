#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reception paths (chapter 4, issue 6): data through our module both ways,
# for every inner x outer family, against wireguard-go and against a second
# device of ours; and cryptokey routing inbound: a packet whose inner source
# the receiver does not allow for the peer that sent it is dropped.
#
#   namespace wgt-rpa: our device wgaN       namespace wgt-rpb: wgbN, ours or wireguard-go
#   veth 192.0.2.1/24, 2001:db8:1::1/64  <->  veth 192.0.2.2/24, 2001:db8:1::2/64
#   inner 10.0.N.1/24, fd00:N::1/64            inner 10.0.N.2/24, fd00:N::2/64
#
# Pair 1 is ours <-> wireguard-go, pair 2 ours <-> ours. In each pair, for
# each outer family (both sides' endpoints set to the other's veth address
# of that family), and each inner family:
#   - ping, both ways;
#   - iperf3 TCP --bidir, 1 s: both directions must carry data;
#   - iperf3 UDP --bidir, 1 s at 2 Mbit/s, 1200-byte datagrams: both
#     directions must carry data, with less than half lost;
# throughput is printed as a diagnostic, not asserted. After the traffic of
# one outer family, "wg show dump" on our side must show the peer's
# endpoint in that family (the endpoint roams to wherever authenticated
# packets come from, so a packet that came over the other family shows).
#
# Then the bad source: wgbN gets a second address, 10.0.N.99 and
# fd00:N::99, outside what wgaN allows for it (10.0.N.2/32, fd00:N::2/128),
# and pings wgaN's address from it with -I (wgbN's own allowed IPs route
# the packet to wgaN regardless of its source). wgaN must drop every echo
# request ping sent (as many as ping reports transmitted) with rx_drop
# reason "source not allowed for peer", counted by bpftrace on
# tracepoint:wgtour:rx_drop (one printf per event; bpftrace runs for the
# whole test, so its seconds of start-up under TCG overlap the traffic,
# and the drops it saw elsewhere are shown as diagnostics), and its rx_dropped
# counter (ip -s link) must grow by as many; no ping answers. A ping from
# the allowed addresses (-I, since source selection may now pick the new
# IPv6 address) still goes through afterwards.
# shellcheck disable=SC2034 # some variables are read only in ktap_check's expressions
. "$(dirname "$0")/../lib/vm.sh"

export WG_COLOR_MODE=never
A=wgt-rpa B=wgt-rpb
PORT_A=51820 PORT_B=51821
BADPINGS=3
tmp=$(mktemp -d)
go_pid= go_name= bt_pid=
t_start=$(date +%s)

kill_wait()
{
	local pid=$1 sig=${2:-TERM} i
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

stop_go()
{
	[ -n "$go_pid" ] || return 0
	kill_wait "$go_pid"
	go_pid=
	rm -f "/var/run/wireguard/$go_name.sock"
}

stop_iperf()
{
	local f
	for f in "$tmp"/iperf-*.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
}

cleanup()
{
	kill_wait "$bt_pid"
	stop_go
	stop_iperf
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start_go()
{
	local i
	go_name=$1
	ip netns exec $B wireguard-go -f "$go_name" > "$tmp/go-$go_name.log" 2>&1 &
	go_pid=$!
	for i in $(seq 100); do
		[ -S "/var/run/wireguard/$go_name.sock" ] && return 0
		kill -0 "$go_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# wireguard-go $go_name did not start:"
	sed 's/^/#   /' "$tmp/go-$go_name.log"
	return 1
}

# 2 pairs x (2 endpoint checks + 4 combos x 3) + 2 pairs x 3 bad-source checks
ktap_plan 34

modprobe tun
mkdir -p /var/run/wireguard
umask 077
wg genkey > "$tmp/ka"
wg genkey > "$tmp/kb"
wg pubkey < "$tmp/ka" > "$tmp/pa"
wg pubkey < "$tmp/kb" > "$tmp/pb"

ip netns add $A
ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add 192.0.2.1/24 dev veth-a
ip -n $B addr add 192.0.2.2/24 dev veth-b
ip -n $A addr add 2001:db8:1::1/64 dev veth-a nodad
ip -n $B addr add 2001:db8:1::2/64 dev veth-b nodad
for ns in $A $B; do
	ip -n $ns link set lo up
done
ip -n $A link set veth-a up
ip -n $B link set veth-b up

bpftrace -e '
tracepoint:wgtour:rx_drop { printf("drop %s %s\n", str(args->name), str(args->reason)); }
interval:s:900 { exit(); }' > "$tmp/bt.out" 2>&1 &
bt_pid=$!

# setup N KIND(go|ours) - wgaN (ours) in A, wgbN (KIND) in B, peers of each other
setup()
{
	local n=$1 kind=$2
	ip -n $A link add wga$n type wireguard || return 1
	ip netns exec $A wg set wga$n private-key "$tmp/ka" listen-port $PORT_A \
		peer "$(cat "$tmp/pb")" allowed-ips 10.0.$n.2/32,fd00:$n::2/128 \
		endpoint 192.0.2.2:$PORT_B || return 1
	ip -n $A addr add 10.0.$n.1/24 dev wga$n
	ip -n $A addr add fd00:$n::1/64 dev wga$n nodad
	ip -n $A link set wga$n up || return 1
	if [ "$kind" = go ]; then
		start_go wgb$n || return 1
	else
		ip -n $B link add wgb$n type wireguard || return 1
	fi
	ip netns exec $B wg set wgb$n private-key "$tmp/kb" listen-port $PORT_B \
		peer "$(cat "$tmp/pa")" allowed-ips 10.0.$n.1/32,fd00:$n::1/128 \
		endpoint 192.0.2.1:$PORT_A || return 1
	ip -n $B addr add 10.0.$n.2/24 dev wgb$n
	ip -n $B addr add fd00:$n::2/64 dev wgb$n nodad
	ip -n $B link set wgb$n up
}

teardown()
{
	stop_go
	ip -n $A link del wga$1 2>/dev/null
	ip -n $B link del wgb$1 2>/dev/null
}

# set_outer N FAMILY - both sides' endpoints in that family
set_outer()
{
	local n=$1
	if [ "$2" = 4 ]; then
		ip netns exec $A wg set wga$n peer "$(cat "$tmp/pb")" endpoint 192.0.2.2:$PORT_B
		ip netns exec $B wg set wgb$n peer "$(cat "$tmp/pa")" endpoint 192.0.2.1:$PORT_A
	else
		ip netns exec $A wg set wga$n peer "$(cat "$tmp/pb")" endpoint "[2001:db8:1::2]:$PORT_B"
		ip netns exec $B wg set wgb$n peer "$(cat "$tmp/pa")" endpoint "[2001:db8:1::1]:$PORT_A"
	fi
}

# ping1 FROMNS ADDR [ping options] - 3 pings, all must answer
ping1()
{
	local ns=$1 addr=$2
	shift 2
	if ! ip netns exec "$ns" ping -q -c 3 -i 0.2 -W 5 "$@" "$addr" > "$tmp/ping" 2>&1; then
		echo "# ping from $ns to $addr failed:"
		sed 's/^/#   /' "$tmp/ping"
		return 1
	fi
	grep -q ' 0% packet loss' "$tmp/ping" || {
		sed 's/^/#   /' "$tmp/ping"
		return 1
	}
}

# iperf PROTO(tcp|udp) ADDR - iperf3 --bidir 1 s from A to ADDR in B;
# prints "fwd_mbit rev_mbit fwd_loss rev_loss" (loss: % for UDP, - for
# TCP); fails unless both directions carried data (and, for UDP, lost
# less than half).
iperf()
{
	local proto=$1 addr=$2 pidf=$tmp/iperf-b.pid i rc t0
	t0=$(date +%s)
	local -a opt=()
	[ "$proto" = udp ] && opt=(-u -b 2M -l 1200)
	ip netns exec $B iperf3 -s -1 -D -I "$pidf" || return 1
	for i in $(seq 50); do
		[ -s "$pidf" ] && break
		sleep 0.1
	done
	sleep 0.2
	timeout 40 ip netns exec $A iperf3 -c "$addr" -t 1 --bidir -J \
		--connect-timeout 5000 "${opt[@]}" > "$tmp/iperf.json" 2> "$tmp/iperf.err"
	rc=$?
	stop_iperf
	python3 - "$tmp/iperf.json" "$proto" <<-'EOF'
	import json, sys
	try:
	    end = json.load(open(sys.argv[1]))["end"]
	    f, r = end["sum_received"], end["sum_received_bidir_reverse"]
	except (ValueError, KeyError, OSError) as e:
	    print(f"- - - - no result: {e!r}")
	    sys.exit(1)
	udp = sys.argv[2] == "udp"
	loss = lambda s: f"{s.get('lost_percent', 100):.1f}" if udp else "-"
	print(f"{f['bits_per_second'] / 1e6:.1f} {r['bits_per_second'] / 1e6:.1f} {loss(f)} {loss(r)}", end=" ")
	ok = f["bytes"] > 0 and r["bytes"] > 0
	if udp:
	    ok = ok and f.get("lost_percent", 100) < 50 and r.get("lost_percent", 100) < 50
	sys.exit(0 if ok else 1)
	EOF
	local prc=$?
	echo "$(($(date +%s) - t0))"
	if [ $rc != 0 ] || [ $prc != 0 ]; then
		echo "# iperf3 $proto to $addr: rc $rc" >&2
		sed 's/^/#   /' "$tmp/iperf.err" | tail -3 >&2
		grep '"error"' "$tmp/iperf.json" | sed 's/^/#   /' >&2
		return 1
	fi
}

# our_endpoint N - wgaN's endpoint for its peer
our_endpoint()
{
	ip netns exec $A wg show wga$1 endpoints | awk '{ print $2 }'
}

# combos N LABEL - every outer x inner family on pair N
combos()
{
	local n=$1 label=$2 outer inner to from_b ep res want rc
	for outer in 4 6; do
		set_outer "$n" $outer
		for inner in 4 6; do
			if [ $inner = 4 ]; then
				to=10.0.$n.2 from_b=10.0.$n.1
			else
				to=fd00:$n::2 from_b=fd00:$n::1
			fi
			ping1 $A $to && ping1 $B $from_b
			rc=$?
			ktap_check "$label: IPv$inner in IPv$outer: ping both ways" '[ $rc = 0 ]'
			res=$(iperf tcp $to)
			rc=$?
			ktap_check "$label: IPv$inner in IPv$outer: iperf3 TCP both ways ($(awk '{ print $1 " / " $2 " Mbit/s, " $5 " s" }' <<< "$res"))" \
				'[ $rc = 0 ]'
			res=$(iperf udp $to)
			rc=$?
			ktap_check "$label: IPv$inner in IPv$outer: iperf3 UDP both ways ($(awk '{ print $1 " / " $2 " Mbit/s, lost " $3 " / " $4 " %, " $5 " s" }' <<< "$res"))" \
				'[ $rc = 0 ]'
		done
		ep=$(our_endpoint "$n")
		if [ $outer = 4 ]; then want=192.0.2.2:$PORT_B; else want="[2001:db8:1::2]:$PORT_B"; fi
		ktap_check "$label: outer IPv$outer: our device's endpoint for the peer is $want (is $ep)" \
			'[ "$ep" = "$want" ]'
	done
}

# rx_dropped N - wgaN's rx_dropped counter
rx_dropped()
{
	ip -n $A -s -j link show wga$1 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])'
}

# bad_source N LABEL - pings from an address wgaN does not allow for wgbN
bad_source()
{
	local n=$1 label=$2 before after i got bt0 pingrc=0 okrc sent t0
	local pat="^drop wga$n source not allowed for peer\$"
	t0=$(date +%s)
	ip -n $B addr add 10.0.$n.99/24 dev wgb$n
	ip -n $B addr add fd00:$n::99/64 dev wgb$n nodad
	before=$(rx_dropped "$n")
	for i in $(seq 600); do
		grep -q Attaching "$tmp/bt.out" && break
		kill -0 $bt_pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q Attaching "$tmp/bt.out" || { echo "# bpftrace did not attach:"; sed 's/^/#   /' "$tmp/bt.out"; }
	bt0=$(grep -c "$pat" "$tmp/bt.out")
	# No answer is expected: -W bounds the wait after the last request.
	ip netns exec $B ping -q -c $BADPINGS -i 0.2 -W 1 -I 10.0.$n.99 10.0.$n.1 > "$tmp/bad4" 2>&1 && pingrc=1
	ip netns exec $B ping -q -c $BADPINGS -i 0.2 -W 1 -I fd00:$n::99 fd00:$n::1 > "$tmp/bad6" 2>&1 && pingrc=1
	sent=$(cat "$tmp/bad4" "$tmp/bad6" | awk '/packets transmitted/ { n += $1 } END { print n + 0 }')
	# bpftrace's output may lag a little behind the events
	for i in $(seq 50); do
		[ $(($(grep -c "$pat" "$tmp/bt.out") - bt0)) -ge "$sent" ] && break
		sleep 0.1
	done
	sleep 0.3
	after=$(rx_dropped "$n")
	got=$(($(grep -c "$pat" "$tmp/bt.out") - bt0))
	echo "# $label: $sent bad-source echo requests sent, answered: $([ $pingrc = 0 ] && echo none || echo some); rx_drop 'source not allowed for peer' on wga$n: $got; rx_dropped $before -> $after; $(($(date +%s) - t0)) s"
	ktap_check "$label: pings from a source not allowed for the peer get no answer" '[ $pingrc = 0 ]'
	ktap_check "$label: bpftrace counts one rx_drop \"source not allowed for peer\" on wga$n per echo request ($sent, got $got)" \
		'[ "$sent" -ge $((2 * BADPINGS)) ] && [ "$got" = "$sent" ]'
	ping1 $B 10.0.$n.1 -I 10.0.$n.2 && ping1 $B fd00:$n::1 -I fd00:$n::2
	okrc=$?
	ktap_check "$label: rx_dropped grows by as many ($before -> $after); allowed sources still get through" \
		'[ $((after - before)) = "$sent" ] && [ $okrc = 0 ]'
}

# run_pair N KIND LABEL
run_pair()
{
	local n=$1 kind=$2 label=$3 i
	local t0
	t0=$(date +%s)
	if ! setup "$n" "$kind"; then
		for i in $(seq 17); do
			ktap_result fail "$label: setup"
		done
		teardown "$n"
		return 1
	fi
	combos "$n" "$label"
	bad_source "$n" "$label"
	teardown "$n"
	echo "# $label took $(($(date +%s) - t0)) s"
}

run_pair 1 go "ours <-> wireguard-go"
run_pair 2 ours "ours <-> ours"
kill_wait "$bt_pid" INT
bt_pid=
echo "# all rx_drop events bpftrace saw, by device and reason:"
grep '^drop ' "$tmp/bt.out" | sort | uniq -c | sed 's/^/#   /'

echo "# rx_paths.sh took $(($(date +%s) - t_start)) s"
ktap_finish
