#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reception paths (chapter 4, issue 6): data through our module both ways,
# for every inner x outer family, against wireguard-go; and cryptokey
# routing inbound: a packet whose inner source
# the receiver does not allow for the peer that sent it is dropped.
#
#   namespace wgt-rpa: our device wgaN       namespace wgt-rpb: wgbN, wireguard-go
#   veth 192.0.2.1/24, 2001:db8:1::1/64  <->  veth 192.0.2.2/24, 2001:db8:1::2/64
#   inner 10.0.N.1/24, fd00:N::1/64            inner 10.0.N.2/24, fd00:N::2/64
#
# The pair is ours <-> wireguard-go (N = 1): another implementation is
# the judge. Ours <-> ours in every family is upstream's netns.sh's
# (upstream_netns.sh), ours <-> stock tests/vm2/stock_interop.sh's. For
# each outer family (both sides' endpoints set to the other's veth address
# of that family), and each inner family:
#   - ping, both ways;
#   - iperf3 TCP --bidir, 1 s (WGTOUR_SLOW s on a slow kernel): both
#     directions must carry data;
#   - iperf3 UDP --bidir, 1 s at 2 Mbit/s, 1200-byte datagrams: both
#     directions must carry data, with less than half lost;
# and once per outer family, a UDP burst (iperf3 -R, up to 100 Mbit/s, 1 s)
# from B into our device: none of the datagrams may reach the receiver
# out of order (iperf3's out_of_order), whichever CPU decrypted them; and
# one the other way, from our device to wireguard-go, which must see none
# out of order either, whichever CPU encrypted them (chapter 5: batches,
# sent from the peer's one CPU); throughput is printed as a diagnostic, not
# asserted. After the traffic of
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
# tracepoint:wgtour:rx_drop (one printf per event, the reason by its
# number in the event's format file; bpftrace runs for the
# whole test, so its seconds of start-up under TCG overlap the traffic,
# and the drops it saw elsewhere are shown as diagnostics), and its rx_dropped
# counter (ip -s link) must grow by as many; no ping answers. A ping from
# the allowed addresses (-I, since source selection may now pick the new
# IPv6 address) still goes through afterwards. Meanwhile rx_packets grows by
# exactly the messages a tracefs instance saw taken (handshake_receive,
# rx_keepalive, rx_deliver on wgaN), the peer's keepalives for instance.
# shellcheck disable=SC2034 # some variables are read only in ktap_check's expressions
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/topo.sh"
. "$(dirname "$0")/../lib/wgtrace.sh"

export WG_COLOR_MODE=never
A=wgt-rpa B=wgt-rpb
PORT_A=51820 PORT_B=51821
BADPINGS=3
tmp=$(mktemp -d)
bt_pid=''
taken_trace=wgt-rx-paths

cleanup()
{
	wgt_kill_wait "$bt_pid" 10
	wgt_trace_stop $taken_trace
	wgt_go_stop 10
	wgt_iperf_stop 0 "$tmp"/iperf-*.pid
	topo_netns_del $A $B
	rm -rf "$tmp"
}
trap cleanup EXIT

# 2 outer families x (2 inner x 3 + 2 bursts + 1 endpoint) + 4 bad-source checks
PAIR_RESULTS=22
ktap_plan $PAIR_RESULTS

wgt_go_prepare
umask 077
wgt_keys "$tmp" a b

topo_veth_pair $A $B 2001:db8:1::

bpftrace -e '
tracepoint:wgtour:rx_drop { printf("drop %s reason=%d\n", str(args->dev), args->reason); }
interval:s:900 { exit(); }' > "$tmp/bt.out" 2>&1 &
bt_pid=$!
# bpftrace prints a reason as its number: the one of "source not allowed".
not_allowed=$("$WGTOUR_ROOT/traces/reasons.sh" |
	sed -n 's/^# wgtour_drop_reason \([0-9]*\) source not allowed for peer$/\1/p')

# setup N - wgaN (ours) in A, wgbN (wireguard-go) in B, peers of each other
setup()
{
	local n=$1
	ip -n $A link add wga$n type wireguard || return 1
	ip netns exec $A wg set wga$n private-key "$tmp/ka" listen-port $PORT_A \
		peer "$(cat "$tmp/pb")" allowed-ips 10.0.$n.2/32,fd00:$n::2/128 \
		endpoint 192.0.2.2:$PORT_B || return 1
	wgt_dev_up $A wga$n 10.0.$n.1/24 fd00:$n::1/64 || return 1
	wgt_go_start $B wgb$n "$tmp" || return 1
	ip netns exec $B wg set wgb$n private-key "$tmp/kb" listen-port $PORT_B \
		peer "$(cat "$tmp/pa")" allowed-ips 10.0.$n.1/32,fd00:$n::1/128 \
		endpoint 192.0.2.1:$PORT_A || return 1
	wgt_dev_up $B wgb$n 10.0.$n.2/24 fd00:$n::2/64
}

teardown()
{
	wgt_go_stop 10
	ip -n $A link del wga$1 2>/dev/null
	ip -n $B link del wgb$1 2>/dev/null
}

# set_outer N FAMILY - both sides' endpoints in that family
set_outer()
{
	local n=$1
	ip netns exec $A wg set wga$n peer "$(cat "$tmp/pb")" endpoint "$(wgt_endpoint "$2" 2 $PORT_B)"
	ip netns exec $B wg set wgb$n peer "$(cat "$tmp/pa")" endpoint "$(wgt_endpoint "$2" 1 $PORT_A)"
}

# ping1 FROMNS ADDR [ping options] - 3 pings, all must answer
ping1()
{
	local ns=$1 addr=$2
	shift 2
	wgt_ping "$ns" "$tmp/ping" "$addr" -q -c 3 -i 0.2 -W 5 "$@" || return 1
	grep -q ' 0% packet loss' "$tmp/ping" || {
		sed 's/^/#   /' "$tmp/ping"
		return 1
	}
}

# iperf PROTO(tcp|udp|burst|burst-out) ADDR - iperf3 for 1 s between A and
# ADDR, B's address (burst-out: A's). tcp, udp: --bidir; prints "fwd_mbit
# rev_mbit fwd_loss rev_loss" (loss: % for UDP, - for TCP); fails unless
# both directions carried data (and, for UDP, lost less than half). burst:
# UDP from B to A only, as fast as 100 Mbit/s allows, so that many
# datagrams are being decrypted at once on both CPUs; prints "mbit arrived
# lost out_of_order"; fails unless at least 100 arrived and none out of
# order (chapter 4: NAPI hands a peer's packets to the stack in the order
# they came, however the decryption finished). burst-out: the same from A
# to B: our device's sending order. In both the client receives (-R): only
# the receiver counts datagrams out of order, and iperf3 does not send that
# count to the other side.
iperf()
{
	local proto=$1 addr=$2 pidf=$tmp/iperf-srv.pid rc t0 ns secs=1 srv=$B cli=$A
	t0=$(date +%s)
	local -a opt=(--bidir)
	# On a slow kernel (make check-debug) a first segment lost to a full
	# queue waits out TCP's 1-s initial retransmission timeout: give the
	# streams as many seconds as the kernel is slower.
	[ "$proto" = tcp ] && secs=${WGTOUR_SLOW:-1}
	[ "$proto" = udp ] && opt=(--bidir -u -b 2M -l 1200)
	[ "$proto" = burst ] && opt=(-R -u -b 100M -l 1200)
	[ "$proto" = burst-out ] && opt=(-R -u -b 100M -l 1200) srv=$A cli=$B
	wgt_iperf_server $srv "$pidf" 0.2 || return 1
	wgt_iperf_client $cli $((40 + secs)) "$tmp/iperf" "$addr" $secs "${opt[@]}"
	rc=$?
	wgt_iperf_stop 0 "$tmp"/iperf-*.pid
	python3 - "$tmp/iperf.json" "$proto" <<-'EOF'
	import json, sys
	try:
	    end = json.load(open(sys.argv[1]))["end"]
	    if sys.argv[2].startswith("burst"):
	        # the receiver's stream: packets is what the sender sent
	        s = end["streams"][0]["udp"]
	        arrived = s["packets"] - s["lost_packets"]
	        print(f"{s['bits_per_second'] / 1e6:.1f} {arrived} {s['lost_packets']} {s['out_of_order']}", end=" ")
	        sys.exit(0 if arrived >= 100 and s["out_of_order"] == 0 else 1)
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
	if [ $prc != 0 ]; then
		# where the packets went: the devices' drop and error counters
		for ns in $A $B; do
			ip -n $ns -s link show type wireguard | sed "s/^/#   $ns: /" >&2
		done
	fi
	wgt_iperf_ok "iperf3 $proto to $addr" "$tmp/iperf" $rc $prc
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
		res=$(iperf burst $to)
		rc=$?
		ktap_check "$label: IPv$inner in IPv$outer: a UDP burst into our device arrives in order ($(awk '{ print $1 " Mbit/s, " $2 " arrived, " $3 " lost, " $4 " out of order, " $5 " s" }' <<< "$res"))" \
			'[ $rc = 0 ]'
		res=$(iperf burst-out $from_b)
		rc=$?
		ktap_check "$label: IPv$inner in IPv$outer: a UDP burst from our device arrives in order ($(awk '{ print $1 " Mbit/s, " $2 " arrived, " $3 " lost, " $4 " out of order, " $5 " s" }' <<< "$res"))" \
			'[ $rc = 0 ]'
		ep=$(our_endpoint "$n")
		want=$(wgt_endpoint $outer 2 $PORT_B)
		ktap_check "$label: outer IPv$outer: our device's endpoint for the peer is $want (is $ep)" \
			'[ "$ep" = "$want" ]'
	done
}

# bt_count_reached PATTERN N - bpftrace has printed N lines that match.
bt_count_reached()
{
	[ "$(grep -c "$1" "$tmp/bt.out")" -ge "$2" ]
}

# bad_source N LABEL - pings from an address wgaN does not allow for wgbN
bad_source()
{
	local n=$1 label=$2 before after got bt0 pingrc=0 okrc sent t0 pk0 pk1 pk2 taken
	local pat="^drop wga$n reason=$not_allowed\$"
	t0=$(date +%s)
	ip -n $B addr add 10.0.$n.99/24 dev wgb$n
	ip -n $B addr add fd00:$n::99/64 dev wgb$n nodad
	before=$(wgt_rx_stat $A wga$n dropped)
	wgt_wait_until --while-alive "$bt_pid" 60 grep -q Attaching "$tmp/bt.out"
	grep -q Attaching "$tmp/bt.out" || { echo "# bpftrace did not attach:"; sed 's/^/#   /' "$tmp/bt.out"; }
	bt0=$(grep -c "$pat" "$tmp/bt.out")
	wgt_trace_start $taken_trace 256 handshake_receive rx_keepalive rx_deliver ||
		echo "# cannot set up the trace instance $taken_trace"
	# rx_packets read after the instance is on, and twice at the end: a
	# message that lands between a read and the trace's count is in one
	# of the two reads, and what was taken must lie between them.
	pk0=$(wgt_rx_stat $A wga$n packets)
	# No answer is expected: -W bounds the wait after the last request.
	ip netns exec $B ping -q -c $BADPINGS -i 0.2 -W 1 -I 10.0.$n.99 10.0.$n.1 > "$tmp/bad4" 2>&1 && pingrc=1
	ip netns exec $B ping -q -c $BADPINGS -i 0.2 -W 1 -I fd00:$n::99 fd00:$n::1 > "$tmp/bad6" 2>&1 && pingrc=1
	sent=$(cat "$tmp/bad4" "$tmp/bad6" | awk '/packets transmitted/ { n += $1 } END { print n + 0 }')
	# bpftrace's output may lag a little behind the events
	wgt_wait_until 5 bt_count_reached "$pat" $((bt0 + sent))
	sleep 0.3
	after=$(wgt_rx_stat $A wga$n dropped)
	pk1=$(wgt_rx_stat $A wga$n packets)
	taken=$(wgt_trace_count $taken_trace " dev=wga$n ")
	pk2=$(wgt_rx_stat $A wga$n packets)
	wgt_trace_stop $taken_trace
	got=$(($(grep -c "$pat" "$tmp/bt.out") - bt0))
	echo "# $label: $sent bad-source echo requests sent, answered: $([ $pingrc = 0 ] && echo none || echo some); rx_drop 'source not allowed for peer' on wga$n: $got; rx_dropped $before -> $after; $(($(date +%s) - t0)) s"
	ktap_check "$label: pings from a source not allowed for the peer get no answer" '[ $pingrc = 0 ]'
	# As the stock module does: what is dropped is not received. What the
	# peer sends meanwhile (a keepalive, a handshake: the longer the window,
	# as on a debug kernel, the likelier) is, so rx_packets must grow by
	# exactly the messages traced as taken.
	ktap_check "$label: the dropped echo requests are not counted as received (rx_packets $pk0 -> $pk1 ($pk2), $taken messages taken)" \
		'[ $((pk1 - pk0)) -le "$taken" ] && [ "$taken" -le $((pk2 - pk0)) ]'
	ktap_check "$label: bpftrace counts one rx_drop \"source not allowed for peer\" on wga$n per echo request ($sent, got $got)" \
		'[ "$sent" -ge $((2 * BADPINGS)) ] && [ "$got" = "$sent" ]'
	ping1 $B 10.0.$n.1 -I 10.0.$n.2 && ping1 $B fd00:$n::1 -I fd00:$n::2
	okrc=$?
	ktap_check "$label: rx_dropped grows by as many ($before -> $after); allowed sources still get through" \
		'[ $((after - before)) = "$sent" ] && [ $okrc = 0 ]'
}

# run_pair N LABEL
run_pair()
{
	local n=$1 label=$2 i
	local t0
	t0=$(date +%s)
	if ! setup "$n"; then
		for i in $(seq $PAIR_RESULTS); do
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

run_pair 1 "ours <-> wireguard-go"
wgt_kill_wait "$bt_pid" 10 INT
bt_pid=
echo "# all rx_drop events bpftrace saw, by device and reason:"
grep '^drop ' "$tmp/bt.out" | sed -f <("$WGTOUR_ROOT/traces/reasons.sh" --sed) |
	sort | uniq -c | sed 's/^/#   /'

ktap_finish
