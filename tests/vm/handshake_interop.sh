#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshake interoperability (chapter 3, issue 5): our module against an
# independent implementation, wireguard-go, over a veth pair.
#
#   namespace wgt-hia: our device wgaN       namespace wgt-hib: wireguard-go wgbN
#   veth 192.0.2.1/24, 2001:db8:1::1/64  <->  veth 192.0.2.2/24, 2001:db8:1::2/64
#   inner 10.0.N.1, fd00:N::1                  inner 10.0.N.2, fd00:N::2
#
# Four scenarios, each on fresh devices (so the side told to go first really
# is the initiator): outer IPv4 or IPv6, with or without a preshared key,
# our module or wireguard-go initiating; together they cover each value of
# each dimension, and each initiator with and without a psk and over both
# families. In each:
#   - who initiated is read from our tracepoints: the first handshake event
#     of our device is handshake_send type=1 (we initiate) or
#     handshake_receive type=1 (they do), and the first keypair_create says
#     initiator=1 or 0;
#   - ping, inner IPv4 and IPv6, both ways;
#   - "wg show DEV dump" of both sides agrees: latest handshake set on both
#     and within 5 s of each other; each side's endpoint for the other is
#     the other's veth address and listen port; the psk column is the psk
#     configured, or (none), on both; and the transfer counters are equal
#     crosswise, exactly: our tx = their rx and our rx = their tx. Both
#     implementations count every datagram they send (handshake messages
#     included) on tx, and every handshake message and data message they
#     accept on rx, each as the length of the WireGuard message (UDP
#     payload). So on a lossless veth with nothing rejected the counters
#     must match to the byte. They are read as a stable snapshot (both
#     sides read twice, unchanged), after the pings, before any bulk traffic.
# Then, in scenario 1: our device reset (link down, up) and a ping from our
# side completes a second handshake (wireguard-go still holds the old
# session); "wg syncconf" with the configuration the device already has
# leaves the session as it is (the next ping sends no initiation); and
# iperf3 TCP both ways for 3 s completes (throughput in the
# diagnostics, not asserted). Last, a peer pair with different psks must
# not complete a handshake either way: no ping, no latest handshake on
# either side, no keypair on ours as initiator (as responder it derives one,
# unconfirmed, before it can know the psk differs), and ours rejects their
# response.
# shellcheck disable=SC2034 # some variables are read only in ktap_check's expressions
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/wgtrace.sh"
. "$(dirname "$0")/../lib/topo.sh"

export WG_COLOR_MODE=never
A=wgt-hia B=wgt-hib
trace=wgt-hs-interop
GO_PORT=51900 OUR_PORT=51820
tmp=$(mktemp -d)

cleanup()
{
	wgt_go_stop 5
	wgt_iperf_stop 0 "$tmp"/iperf-*.pid
	topo_netns_del $A $B
	wgt_trace_stop $trace
	rm -rf "$tmp"
}
trap cleanup EXIT

ktap_plan 18

wgt_go_prepare
umask 077
wgt_keys "$tmp" a b
wg genpsk > "$tmp/psk"
wg genpsk > "$tmp/psk2"

topo_veth_pair $A $B 2001:db8:1::

wgt_trace_start $trace 2048 handshake_send handshake_receive handshake_reject \
	keypair_create || { echo "# cannot set up the trace instance"; exit 1; }

# setup N FAMILY OURPSK THEIRPSK - fresh devices wgaN (ours) and wgbN
# (wireguard-go), each with the other as its peer and endpoint. A psk
# argument is a file, or "-" for none.
setup()
{
	local n=$1 family=$2 ourpsk=$3 theirpsk=$4 our_ep their_ep
	local -a op=() tp=()
	our_ep=$(wgt_endpoint "$family" 1 $OUR_PORT) their_ep=$(wgt_endpoint "$family" 2 $GO_PORT)
	[ "$ourpsk" != - ] && op=(preshared-key "$ourpsk")
	[ "$theirpsk" != - ] && tp=(preshared-key "$theirpsk")

	ip -n $A link add wga$n type wireguard || return 1
	ip netns exec $A wg set wga$n private-key "$tmp/ka" listen-port $OUR_PORT \
		peer "$(cat "$tmp/pb")" "${op[@]}" allowed-ips 10.0.$n.2/32,fd00:$n::2/128 \
		endpoint "$their_ep" || return 1
	wgt_dev_up $A wga$n 10.0.$n.1/24 fd00:$n::1/64 || return 1

	wgt_go_start $B wgb$n "$tmp" || return 1
	ip netns exec $B wg set wgb$n private-key "$tmp/kb" listen-port $GO_PORT \
		peer "$(cat "$tmp/pa")" "${tp[@]}" allowed-ips 10.0.$n.1/32,fd00:$n::1/128 \
		endpoint "$our_ep" || return 1
	wgt_dev_up $B wgb$n 10.0.$n.2/24 fd00:$n::2/64
}

teardown()
{
	wgt_go_stop 5
	ip -n $A link del wga$1 2>/dev/null
}

# pings FROMNS ADDR... - one ping run per address, all must answer
pings()
{
	local ns=$1 addr
	shift
	for addr in "$@"; do
		wgt_ping "$ns" "$tmp/ping" "$addr" -q -c 2 -i 0.3 -W 5 || return 1
	done
}

# our_events N - our device's handshake events so far, trace prefix cut
our_events()
{
	wgt_trace_dump $trace | grep -E "(handshake_[a-z]+|keypair_create): dev=wga$1 " |
		sed 's/.*: \(handshake_[a-z]*\|keypair_create\): /\1 /'
}

# peer_dump NS DEV - the peer line of "wg show DEV dump"
peer_dump()
{
	ip netns exec "$1" wg show "$2" dump | sed -n 2p
}

# snapshot N - both peer lines, read until both are unchanged over a
# second read (a keepalive in flight would show as a change); at most 10 s.
snapshot()
{
	local n=$1 i o1 o2 t1 t2
	for i in $(seq 20); do
		o1=$(peer_dump $A wga$n) t1=$(peer_dump $B wgb$n)
		sleep 0.5
		o2=$(peer_dump $A wga$n) t2=$(peer_dump $B wgb$n)
		if [ "$o1" = "$o2" ] && [ "$t1" = "$t2" ]; then
			ours=$o2 theirs=$t2
			return 0
		fi
	done
	ours=$o2 theirs=$t2
	echo "# wg show kept changing for 10 s"
	return 1
}

# agree N FAMILY PSKFILE - check the two dumps against each other
agree()
{
	local n=$1 family=$2 psk=$3 want_psk="(none)" ok=0
	local o_pub o_psk o_ep o_ips o_hs o_rx o_tx t_pub t_psk t_ep t_ips t_hs t_rx t_tx rest
	local want_o_ep want_t_ep
	[ "$psk" != - ] && want_psk=$(cat "$psk")
	want_o_ep=$(wgt_endpoint "$family" 2 $GO_PORT) want_t_ep=$(wgt_endpoint "$family" 1 $OUR_PORT)
	snapshot "$n" || ok=1
	read -r o_pub o_psk o_ep o_ips o_hs o_rx o_tx rest <<< "$ours"
	read -r t_pub t_psk t_ep t_ips t_hs t_rx t_tx rest <<< "$theirs"
	echo "# ours:   endpoint $o_ep handshake $o_hs rx $o_rx tx $o_tx"
	echo "# theirs: endpoint $t_ep handshake $t_hs rx $t_rx tx $t_tx"
	if [ "$o_pub" != "$(cat "$tmp/pb")" ] || [ "$t_pub" != "$(cat "$tmp/pa")" ]; then
		echo "# peer keys are not each other's"; ok=1
	fi
	if [ "${o_hs:-0}" = 0 ] || [ "${t_hs:-0}" = 0 ]; then
		echo "# latest handshake not set on both sides"; ok=1
	elif [ $((o_hs - t_hs)) -gt 5 ] || [ $((t_hs - o_hs)) -gt 5 ]; then
		echo "# latest handshakes more than 5 s apart"; ok=1
	fi
	if [ "$o_ep" != "$want_o_ep" ] || [ "$t_ep" != "$want_t_ep" ]; then
		echo "# endpoints: want $want_o_ep / $want_t_ep"; ok=1
	fi
	if [ "$o_psk" != "$want_psk" ] || [ "$t_psk" != "$want_psk" ]; then
		echo "# psk column differs from what was configured"; ok=1
	fi
	if [ "${o_tx:-0}" = 0 ] || [ "${o_rx:-0}" = 0 ]; then
		echo "# a transfer counter is zero"; ok=1
	fi
	if [ "$o_tx" != "$t_rx" ] || [ "$o_rx" != "$t_tx" ]; then
		echo "# transfer: our tx - their rx = $((o_tx - t_rx)), their tx - our rx = $((t_tx - o_rx))"
		ok=1
	fi
	return $ok
}

# scenario N FAMILY PSK INITIATOR(ours|theirs) LABEL
scenario()
{
	local n=$1 family=$2 psk=$3 who=$4 label=$5 first ev ok pingok agreed
	local from=$A to=10.0.$n.2 to6=fd00:$n::2 back=$B back4=10.0.$n.1 back6=fd00:$n::1
	if [ "$who" = theirs ]; then
		from=$B to=10.0.$n.1 to6=fd00:$n::1 back=$A back4=10.0.$n.2 back6=fd00:$n::2
	fi
	if ! setup "$n" "$family" "$psk" "$psk"; then
		ktap_result fail "$label: setup"
		ktap_result fail "$label: ping both ways"
		ktap_result fail "$label: wg show agrees on both sides"
		return 1
	fi
	pingok=0
	pings $from $to $to6 || pingok=1
	pings $back $back4 $back6 || pingok=1

	ev=$(our_events "$n")
	sed 's/^/#   trace: /' <<< "$ev" | head -8
	first=$(grep -m1 '^handshake_' <<< "$ev")
	if [ "$who" = ours ]; then
		[[ $first == "handshake_send dev=wga$n "*" type=1 "* ]] &&
			grep -m1 '^keypair_create' <<< "$ev" | grep -q 'initiator=1$'
	else
		[[ $first == "handshake_receive dev=wga$n "*" type=1"* ]] &&
			grep -m1 '^keypair_create' <<< "$ev" | grep -q 'initiator=0$'
	fi
	ok=$?
	ktap_check "$label: handshake completes, $who initiating (our first: ${first%% dev=*} type $(sed -n 's/.* type=\([0-9]*\).*/\1/p' <<< "$first"))" \
		'[ $ok = 0 ]'
	ktap_check "$label: ping inner IPv4 and IPv6, both ways" '[ $pingok = 0 ]'
	agree "$n" "$family" "$psk"
	agreed=$?
	ktap_check "$label: wg show agrees (handshake, endpoints, psk, tx = peer's rx both ways)" \
		'[ $agreed = 0 ]'
}

# iperf FROMNS TONS TOADDR - 3 s of TCP; prints the receiver's Mbit/s
iperf()
{
	local from=$1 to=$2 addr=$3 pidf=$tmp/iperf-$2.pid out
	wgt_iperf_server "$to" "$pidf" 0.3 || return 1
	out=$(timeout 40 ip netns exec "$from" iperf3 -c "$addr" -t 3 -f m --connect-timeout 5000 2>&1)
	local rc=$?
	wgt_iperf_stop 0 "$tmp"/iperf-*.pid
	awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }' \
		<<< "$out" | tail -1
	[ $rc = 0 ] || { sed 's/^/#   /' <<< "$out" | tail -5 >&2; return 1; }
}

# 1: IPv4, no psk, we initiate; then a reset, and iperf3.
scenario 1 4 - ours "1 (IPv4, no psk)"
n=1
# around PATTERN ACTION - run ACTION (a function) on pair n, then a ping
# from our side; sets before and after (our events matching PATTERN),
# act_rc and ping_rc
around()
{
	before=$(our_events $n | grep -c "$1")
	$2
	act_rc=$?
	pings $A 10.0.$n.2
	ping_rc=$?
	after=$(our_events $n | grep -c "$1")
}
reset_link()
{
	ip -n $A link set wga$n down && ip -n $A link set wga$n up
}
# wg syncconf with the configuration the device already has (its own
# showconf, private key included) must change nothing: the session stays,
# and the next ping starts no handshake.
same_config()
{
	ip netns exec $A bash -c "wg showconf wga$n > '$tmp/wga.conf' && wg syncconf wga$n '$tmp/wga.conf'"
}
around '^keypair_create.*initiator=1$' reset_link
echo "# after the reset: keypairs we initiated: $before before, $after after"
ktap_check "1: after ip link set down/up, our ping completes a new handshake (we initiate)" \
	'[ $act_rc = 0 ] && [ $ping_rc = 0 ] && [ "$after" -gt "$before" ]'
around '^handshake_send.* type=1 ' same_config
echo "# wg syncconf, same configuration: rc $act_rc; initiations we sent: $before before, $after after the ping"
ktap_check "1: wg syncconf with the same configuration keeps the session (ping, no new initiation)" \
	'[ $act_rc = 0 ] && [ $ping_rc = 0 ] && [ "$after" = "$before" ]'
up=$(iperf $A $B 10.0.$n.2)
up_rc=$?
ktap_check "1: iperf3 TCP ours -> wireguard-go, 3 s, completes (${up:-?} Mbit/s)" \
	'[ $up_rc = 0 ] && [ -n "$up" ]'
down=$(iperf $B $A 10.0.$n.1)
down_rc=$?
ktap_check "1: iperf3 TCP wireguard-go -> ours, 3 s, completes (${down:-?} Mbit/s)" \
	'[ $down_rc = 0 ] && [ -n "$down" ]'
echo "# iperf3 through the tunnel (receiver side): ours->go ${up:-?} Mbit/s, go->ours ${down:-?} Mbit/s"
teardown 1

scenario 2 4 "$tmp/psk" theirs "2 (IPv4, psk)"
teardown 2
scenario 3 6 "$tmp/psk" ours "3 (IPv6, psk)"
teardown 3
scenario 4 6 - theirs "4 (IPv6, no psk)"
teardown 4

# 5: different psks. The initiation does not depend on the psk (it is mixed
# in last, "psk2"), so each side accepts the other's initiation and answers;
# the response is where it fails, on whichever side initiated.
n=5
if setup $n 4 "$tmp/psk" "$tmp/psk2"; then
	ip netns exec $A ping -q -c 2 -i 0.5 -W 2 10.0.$n.2 > /dev/null 2>&1
	a_rc=$?
	ip netns exec $B ping -q -c 2 -i 0.5 -W 2 10.0.$n.1 > /dev/null 2>&1
	b_rc=$?
	ohs=$(ip netns exec $A wg show wga$n latest-handshakes | awk '{ print $2 }')
	ths=$(ip netns exec $B wg show wgb$n latest-handshakes | awk '{ print $2 }')
	ev=$(our_events $n)
	sed 's/^/#   trace: /' <<< "$ev" | head -8
	kp=$(grep -c '^keypair_create.*initiator=1$' <<< "$ev")
	rej=$(grep -c '^handshake_reject.*type=2 reason=response does not decrypt' <<< "$ev")
	echo "# wrong psk: ping rc $a_rc/$b_rc, latest handshake ours ${ohs:-?} theirs ${ths:-?}, our keypairs $kp, responses we rejected $rej"
	ktap_check "5 (wrong psk): no ping either way, no latest handshake on either side" \
		'[ $a_rc != 0 ] && [ $b_rc != 0 ] && [ "$ohs" = 0 ] && [ "$ths" = 0 ]'
	ktap_check "5 (wrong psk): ours rejects their response (response does not decrypt), completes no session as initiator" \
		'[ "$rej" -ge 1 ] && [ "$kp" = 0 ]'
else
	ktap_result fail "5 (wrong psk): setup"
	ktap_result fail "5 (wrong psk): setup"
fi
teardown $n

ktap_finish
