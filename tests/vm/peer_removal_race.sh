#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peer removal racing with the handshake worker (chapter 2, "Removing a
# peer"; chapter 3, "Timers"). Sending to a peer without a session queues
# its initiation work; the worker builds the initiation and arms the retry
# timer. Removal marks the peer dead, waits a grace period, cancels the
# work and stops the timers. If the worker could check "is the peer alive?"
# outside an RCU read-side section, it could arm the timer after removal
# stopped it: a timer on a freed peer, a use-after-free when it fires.
#
# The window is a few instructions wide, so the module's test-only
# parameter race_delay_ms widens it (module/timers.c). Each round adds a
# peer, sends one datagram to it (which starts the worker) and removes it at
# once (the 200 ms window is wider than it takes to start "wg" under the
# emulator); peer release warns if a timer is still armed (module/peer.c), and a
# warning fails the whole VM run. At the end the module's live-object
# counters must be back to zero, as in lifecycle.sh.
. "$(dirname "$0")/../lib/vm.sh"

ROUNDS=20
DELAY_MS=200
ns=wgt-race
param=/sys/module/wgtour/parameters/race_delay_ms
tmp=$(mktemp -d)
cleanup()
{
	echo 0 > "$param" 2>/dev/null
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ktap_plan 3
wgt_load
umask 077
wg genkey > "$tmp/key"
peer=$(wg genkey | wg pubkey)
ip netns add $ns
ip -n $ns link set lo up
ip -n $ns link add dummy0 type dummy
ip -n $ns addr add 192.0.2.1/24 dev dummy0
ip -n $ns link set dummy0 up
ip -n $ns link add wgr0 type wireguard
ip netns exec $ns wg set wgr0 private-key "$tmp/key" listen-port 51820
ip -n $ns link set wgr0 up
ip -n $ns route add 10.9.0.0/16 dev wgr0

echo $DELAY_MS > "$param"
ktap_check "race_delay_ms set to $DELAY_MS" '[ "$(cat "$param")" = $DELAY_MS ]'

# One round: a peer, a datagram that makes the worker initiate (and arm the
# retry timer, DELAY_MS late), and the peer's removal while it does.
round()
{
	ip netns exec $ns wg set wgr0 peer "$peer" allowed-ips 10.9.0.0/16 \
		endpoint 192.0.2.99:51820 || return 1
	ip netns exec $ns bash -c 'echo x > /dev/udp/10.9.0.1/9' || return 1
	ip netns exec $ns wg set wgr0 peer "$peer" remove
}
races()
{
	local i
	for i in $(seq $ROUNDS); do
		round || { echo "# round $i failed"; return 1; }
	done
}
start=$SECONDS
races
rc=$?
ktap_check "$ROUNDS rounds of add, send, remove while the worker initiates ($((SECONDS - start)) s)" '[ $rc = 0 ]'
echo 0 > "$param"
ip netns del $ns

ktap_check "every peer and device freed, no timer left armed (a warning fails the VM run)" \
	'wgt_all_freed && ! dmesg | grep -q "WARNING:"'
ktap_finish
