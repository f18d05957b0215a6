#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle of devices, sockets and peers (chapters 1 and 2): create and
# destroy many times, delete namespaces with devices inside, move a device
# between namespaces and back. The module's live-object counters in
# /sys/kernel/debug/wgtour/ must come back to zero every time: a leak shows
# up as a count that stays. (A splat anywhere fails the VM run as a whole.)
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/topo.sh"

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"; wgt_netns_clean' EXIT
wgt_keys "$work" 1 2 3

ktap_plan 12
wgt_load
ktap_check "counters start at zero" 'wgt_all_freed'

# The counters are exact: a leak of anything in a cycle leaves 50 objects
# behind, so more cycles would only take longer (each is about 0.45 s
# under TCG).
cycle()
{
	local i
	for i in $(seq 50); do
		ip link add wgc0 type wireguard || return 1
		wg set wgc0 private-key "$work/k1" listen-port 0 \
			peer "$(cat "$work/p2")" allowed-ips 10.0.0.0/8,fd00::/8 endpoint 192.0.2.1:1 \
			peer "$(cat "$work/p3")" allowed-ips 10.1.0.0/16 || return 1
		ip link set wgc0 up || return 1
		ip link del wgc0 || return 1
	done
}
ktap_check "50 create/configure/up/destroy cycles" 'cycle'
ktap_check "... and everything was freed" 'wgt_all_freed'

# A helper fails when any of its steps does: "set -e" does not apply to a
# function run as a check's condition, hence the "|| return 1"s.
netns_delete()
{
	ip netns add wgtlc1 && ip netns add wgtlc2 || return 1
	ip -n wgtlc1 link add wg0 type wireguard || return 1
	ip -n wgtlc1 link add wg1 type wireguard || return 1
	ip netns exec wgtlc1 wg set wg0 listen-port 40000 peer "$(cat "$work/p2")" allowed-ips 0.0.0.0/0 ||
		return 1
	ip -n wgtlc1 link set wg0 up && ip -n wgtlc1 link set wg1 up || return 1
	# wg2 is born in wgtlc2 but lives in wgtlc1: it dies with wgtlc2.
	ip -n wgtlc2 link add wg2 type wireguard && ip -n wgtlc2 link set wg2 netns wgtlc1 || return 1
	ip netns del wgtlc2 || return 1
	ip netns del wgtlc1
}
ktap_check "deleting namespaces with up devices and open sockets" 'netns_delete'
ktap_check "... and everything was freed" 'wgt_all_freed'

move_and_back()
{
	local port in_birth in_other
	ip netns add wgtmv1 && ip netns add wgtmv2 || return 1
	ip -n wgtmv1 link add wgm0 type wireguard || return 1
	ip netns exec wgtmv1 wg set wgm0 listen-port 41000 peer "$(cat "$work/p2")" allowed-ips 10.9.0.0/16 ||
		return 1
	ip -n wgtmv1 link set wgm0 netns wgtmv2 || return 1
	ip -n wgtmv2 link set wgm0 up || return 1
	# The sockets stay where the device was born (chapter 1).
	in_birth=$(ip netns exec wgtmv1 ss -Hlun 'sport = :41000' | wc -l)
	in_other=$(ip netns exec wgtmv2 ss -Hlun 'sport = :41000' | wc -l)
	echo "# sockets on port 41000: birth namespace $in_birth, device's namespace $in_other"
	[ "$in_birth" = 2 ] && [ "$in_other" = 0 ] || return 1
	ip netns exec wgtmv2 wg show wgm0 allowed-ips | grep -q 10.9.0.0/16 || return 1
	ip -n wgtmv2 link set wgm0 netns wgtmv1 || return 1
	ip netns exec wgtmv1 wg show wgm0 listen-port | grep -qx 41000 || return 1
	ip -n wgtmv1 link del wgm0 || return 1
	ip netns del wgtmv1 || return 1
	ip netns del wgtmv2
}
ktap_check "a device moved to another namespace and back keeps sockets and config" 'move_and_back'
ktap_check "... and everything was freed" 'wgt_all_freed'

no_live_devices() { [ "$(wgt_live devices)" = 0 ]; }

# A dump started and never read on: the kernel has sent its first message
# and waits for us to read before it builds the next. Meanwhile the device
# moves to another namespace, which is deleted: the device must die with it,
# whatever the dump holds (chapter 1, "Reading the configuration").
unread_dump()
{
	local pid devices
	ip netns add wgtdu1 && ip netns add wgtdu2 || return 1
	ip -n wgtdu1 link add wgd0 type wireguard || return 1
	ip netns exec wgtdu1 python3 -c '
import sys, time
sys.path.insert(0, sys.argv[1])
import wgnl
nl = wgnl.GenlSocket()
family = nl.resolve(wgnl.WG_GENL_NAME)
nl.send(family, wgnl.WG_CMD_GET_DEVICE, wgnl.WG_GENL_VERSION,
        [wgnl.attr(wgnl.WGDEVICE_A_IFNAME, b"wgd0\0")], wgnl.NLM_F_DUMP)
print("started", flush=True)
time.sleep(60)' "$WGTOUR_ROOT/tests/lib" > "$work/dump.out" 2>&1 &
	pid=$!
	wgt_wait_until 10 grep -q started "$work/dump.out"
	grep -q started "$work/dump.out" || { cat "$work/dump.out"; kill $pid; return 1; }
	ip -n wgtdu1 link set wgd0 netns wgtdu2 || return 1
	ip netns del wgtdu2
	wgt_wait_until 10 no_live_devices
	devices=$(wgt_live devices)
	echo "# an unread dump open, the device's namespace deleted: $devices live devices after 10 s"
	kill $pid
	wait $pid 2>/dev/null
	ip netns del wgtdu1
	[ "$devices" = 0 ]
}
ktap_check "a dump left unread does not keep its device alive when the device's namespace goes" 'unread_dump'
ktap_check "... and everything was freed" 'wgt_all_freed'

# Dumps and sets racing with peer removal: nothing may crash or leak.
race()
{
	local end=$((SECONDS + 8)) i dump_pid conf_pid failed=0
	ip link add wgr0 type wireguard || return 1
	# A dump that fails ends its loop, and says so in its exit status.
	(while [ $SECONDS -lt $end ]; do wg show wgr0 dump > /dev/null || exit 1; done) &
	dump_pid=$!
	(while [ $SECONDS -lt $end ]; do wg showconf wgr0 > /dev/null || exit 1; done) &
	conf_pid=$!
	i=0
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1))
		wg set wgr0 peer "$(cat "$work/p2")" allowed-ips "10.$((i % 250)).0.0/16,fd00:$i::/64" \
			peer "$(cat "$work/p3")" allowed-ips 10.250.0.0/16 || failed=1
		wg set wgr0 peer "$(cat "$work/p2")" remove || failed=1
	done
	wait $dump_pid || { echo "# wg show dump failed"; failed=1; }
	wait $conf_pid || { echo "# wg showconf failed"; failed=1; }
	echo "# $i add/remove rounds raced with dumps"
	ip link del wgr0 || return 1
	[ $failed = 0 ]
}
ktap_check "peer removal racing with dumps and sets" 'race'
ktap_check "... and everything was freed" 'wgt_all_freed'

unload_configured()
{
	ip link add wgu0 type wireguard || return 1
	wg set wgu0 listen-port 0 peer "$(cat "$work/p2")" allowed-ips 10.0.0.0/8 || return 1
	ip link set wgu0 up || return 1
	rmmod wgtour
}
ktap_check "module unload with a configured, up device" 'unload_configured'
wgt_load
ktap_finish
