#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reception's defences (chapter 4, issue 6): the replay window, and
# datagrams that are not WireGuard messages, or forged ones.
#
#   namespace wgt-rrp: tests/lib/rx_peer.py      namespace wgt-rrm: our device wgr0
#   veth 192.0.2.2, inner 10.0.9.2     <------>  veth 192.0.2.1:51820, inner 10.0.9.1/24
#
# rx_peer.py is a WireGuard peer written in Python (noise_ref.py's
# cryptography): it completes a real handshake with wgr0 as initiator
# (wgr0 holds its public key, allowed IPs 10.0.9.2/32) and then sends data
# messages with counters it chooses, each an ICMP echo request whose
# sequence number tags it; an echo reply coming back (which it decrypts)
# says wgr0 delivered that message.
#
# (a) The replay window (module/noise.h: 8192 bits, a window of 8128
# counters). A keepalive with counter 0 (which also makes wgr0, the
# responder, promote its "next" keypair), then, each checked message by
# message: in order; duplicates; reordering inside the window; the
# window's edge (greatest - 8128 accepted, greatest - 8129 dropped); a jump
# of more than the bitmap; the bitmap wrapping round (a reused bit cleared,
# a live one kept); a counter at REJECT_AFTER_MESSAGES (dropped, and the
# window does not move); in order again. The keepalive is sent twice; the
# second copy must be dropped too.
#
# (b) Malformed and forged datagrams to port 51820: every length from 1 to
# 15 bytes, data messages of 16 and 31 bytes, types 5 and 0, reserved bytes
# set (on an initiation, a data message, and 0x01000000), each handshake
# type one byte too short and one too long, random bytes, a data message
# to an unknown receiver index, two with a bad tag, an initiation and a
# response with a bad MAC1, and a cookie reply to an unknown index. None
# may be answered; then the genuine message with the bad tags' counter
# (never marked as seen, since it did not decrypt) and the next must be.
# Last, from a second address (192.0.2.3), a bad tag and a replayed
# genuine message: the device's endpoint for the peer must stay the
# address rx_peer.py really sends from ("wg show endpoints").
#
# The device's side is counted from its tracepoints through a private
# tracefs instance (tests/lib/wgtrace.sh: the same wgtour:* events
# bpftrace attaches to, without bpftrace's seconds of start-up under TCG):
# rx_drop by reason ("replayed counter", "malformed message", "unknown
# receiver index", "decryption failed"), rx_deliver, rx_keepalive,
# rx_replay_check fresh=0/1, handshake_reject ("bad mac1", and "unknown
# receiver index" for the cookie reply) must be exactly what rx_peer.py
# says it sent, rx_dropped (ip -s link) must grow by the number of rx_drop
# events, and the kernel log must show no splat. The echo replies to the
# last two messages show the tunnel still works after the garbage. When
# the namespaces are gone, the module's live-object counters must be back
# to zero: every keypair the session used, freed.
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/wgtrace.sh"
. "$(dirname "$0")/../lib/topo.sh"

export WG_COLOR_MODE=never
M=wgt-rrm P=wgt-rrp
trace=wgt-rx-replay
tool=$WGTOUR_ROOT/tests/lib/rx_peer.py
tmp=$(mktemp -d)
peer_pid=

cleanup()
{
	wgt_kill_wait "$peer_pid" 5
	topo_netns_del $M $P
	wgt_trace_stop $trace
	rm -rf "$tmp"
}
trap cleanup EXIT

# rx_peer.py's checks (handshake, 9 replay steps, 2 after the garbage),
# then 10 here
want_checks=12
ktap_plan $((want_checks + 10))

umask 077
wgt_keys "$tmp" m p

topo_netns_add $M $P
ip link add veth-m netns $M type veth peer name veth-p netns $P
ip -n $M addr add 192.0.2.1/24 dev veth-m
ip -n $P addr add 192.0.2.2/24 dev veth-p
ip -n $P addr add 192.0.2.3/24 dev veth-p
ip -n $M link set veth-m up
ip -n $P link set veth-p up

ip -n $M link add wgr0 type wireguard
ip netns exec $M wg set wgr0 private-key "$tmp/km" listen-port 51820 \
	peer "$(cat "$tmp/pp")" allowed-ips 10.0.9.2/32
wgt_dev_up $M wgr0 10.0.9.1/24

wgt_trace_start $trace 2048 rx_drop rx_deliver rx_keepalive rx_replay_check \
	handshake_reject handshake_receive keypair_create ||
	{ echo "# cannot set up the trace instance"; exit 1; }

drops_before=$(wgt_rx_stat $M wgr0 dropped)

# The whole exchange, bounded: pure-Python crypto under TCG is slow, but
# it is a few dozen messages.
timeout 300 ip netns exec $P python3 "$tool" run 192.0.2.1 51820 "$tmp/kp" \
	"$(cat "$tmp/pm")" 10.0.9.2 10.0.9.1 192.0.2.3 > "$tmp/peer.out" 2>&1 &
peer_pid=$!
wait $peer_pid
peer_rc=$?
peer_pid=
sleep 0.5
endpoint=$(ip netns exec $M wg show wgr0 endpoints | awk '{ print $2 }')

drops_after=$(wgt_rx_stat $M wgr0 dropped)

grep '^#' "$tmp/peer.out"
grep -v '^#\|^check \|^expect ' "$tmp/peer.out" | sed 's/^/#   /'
nchecks=$(grep -c '^check ' "$tmp/peer.out")
n=0
while read -r _ verdict desc; do
	n=$((n + 1))
	ktap_result "$verdict" "$desc"
done < <(grep '^check ' "$tmp/peer.out")
for ((; n < want_checks; n++)); do
	ktap_result fail "rx_peer.py stopped early (exit $peer_rc)"
done
[ "$nchecks" -gt $want_checks ] && echo "# rx_peer.py made $nchecks checks, more than the $want_checks planned"

expect()
{
	sed -n "s/^expect $1 //p" "$tmp/peer.out"
}

replayed=$(wgt_trace_count $trace 'rx_drop: dev=wgr0 .* reason=replayed counter$')
malformed=$(wgt_trace_count $trace 'rx_drop: dev=wgr0 .* reason=malformed message$')
unknown=$(wgt_trace_count $trace 'rx_drop: dev=wgr0 .* reason=unknown receiver index$')
decrypt=$(wgt_trace_count $trace 'rx_drop: dev=wgr0 .* reason=decryption failed$')
all_drops=$(wgt_trace_count $trace 'rx_drop: dev=wgr0 ')
delivered=$(wgt_trace_count $trace 'rx_deliver: dev=wgr0 ')
keepalives=$(wgt_trace_count $trace 'rx_keepalive: dev=wgr0 .* counter=0$')
fresh1=$(wgt_trace_count $trace 'rx_replay_check: .* fresh=1$')
fresh0=$(wgt_trace_count $trace 'rx_replay_check: .* fresh=0$')
badmac=$(wgt_trace_count $trace 'handshake_reject: dev=wgr0 type=[12] reason=bad mac1$')
cookie_unknown=$(wgt_trace_count $trace 'handshake_reject: dev=wgr0 type=3 reason=unknown receiver index$')
hs_other=$(wgt_trace_count $trace 'handshake_reject: dev=wgr0 ' )
echo "# trace: rx_drop replayed $replayed, malformed $malformed, unknown index $unknown, decryption failed $decrypt, all $all_drops; rx_deliver $delivered, rx_keepalive $keepalives; rx_replay_check fresh=1 $fresh1, fresh=0 $fresh0; handshake_reject bad mac1 $badmac, cookie reply to unknown index $cookie_unknown, all $hs_other"
echo "# rx_dropped $drops_before -> $drops_after; trace overrun $(wgt_trace_overrun $trace)"
wgt_trace_dump $trace | grep -vE 'rx_replay_check|rx_deliver' |
	grep -vE 'reason=(malformed message|replayed counter)$' | sed 's/^ */#   trace: /' | head -20

e_rep=$(expect replayed) e_del=$(expect delivered) e_ka=$(expect keepalives)
e_mal=$(expect malformed) e_unk=$(expect unknown_index) e_dec=$(expect decrypt)
e_mac=$(expect bad_mac1) e_cu=$(expect cookie_unknown)

ktap_check "(a) rx_drop \"replayed counter\": ${e_rep:-?} (got $replayed)" \
	'[ -n "$e_rep" ] && [ "$replayed" = "$e_rep" ]'
ktap_check "(a) rx_deliver ${e_del:-?} (got $delivered), rx_keepalive ${e_ka:-?} (got $keepalives)" \
	'[ -n "$e_del" ] && [ "$delivered" = "$e_del" ] && [ "$keepalives" = "$e_ka" ]'
ktap_check "(a) rx_replay_check: fresh=1 for each delivery and keepalive, fresh=0 for each replay ($fresh1, $fresh0)" \
	'[ -n "$e_del" ] && [ "$fresh1" = $((e_del + e_ka)) ] && [ "$fresh0" = "$e_rep" ]'
ktap_check "(b) rx_drop \"malformed message\": ${e_mal:-?} (got $malformed)" \
	'[ -n "$e_mal" ] && [ "$malformed" = "$e_mal" ]'
ktap_check "(b) rx_drop \"unknown receiver index\" ${e_unk:-?} (got $unknown), \"decryption failed\" ${e_dec:-?} (got $decrypt)" \
	'[ -n "$e_unk" ] && [ "$unknown" = "$e_unk" ] && [ "$decrypt" = "$e_dec" ]'
ktap_check "(b) handshake_reject \"bad mac1\" ${e_mac:-?} (got $badmac), cookie reply \"unknown receiver index\" ${e_cu:-?} (got $cookie_unknown), no other ($hs_other in all)" \
	'[ -n "$e_mac" ] && [ "$badmac" = "$e_mac" ] && [ "$cookie_unknown" = "$e_cu" ] &&
	 [ "$hs_other" = $((e_mac + e_cu)) ]'
ktap_check "rx_dropped grows by the number of rx_drop events ($((drops_after - drops_before)), $all_drops) and no other drops happened" \
	'[ $((drops_after - drops_before)) = "$all_drops" ] &&
	 [ "$all_drops" = $((replayed + malformed + unknown + decrypt)) ]'
e_ep=$(expect endpoint)
ktap_check "(b) a bad tag and a replay from another address leave the endpoint at ${e_ep:-?} (is $endpoint)" \
	'[ -n "$e_ep" ] && [ "$endpoint" = "$e_ep" ]'
ip netns del $M
ip netns del $P
ktap_check "the namespaces deleted, every device, peer and keypair is freed" 'wgt_all_freed'
wgt_no_report rx_replay_malformed.sh

ktap_finish
