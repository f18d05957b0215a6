#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab VM runs *our* module: "ip link add ... type wireguard" must create
# a wgtour device and never pull in the stock wireguard.ko. Then the module
# must unload cleanly with devices still present, and load again.
. "$(dirname "$0")/../lib/vm.sh"

ktap_plan 11

wgt_load
ktap_check "wgtour.ko is loaded" 'test -d /sys/module/wgtour'
ktap_check "stock wireguard.ko is not loaded" 'test ! -e /sys/module/wireguard'

ktap_check "ip link add type wireguard creates a device" \
	'ip link add wgt0 type wireguard'
# Our device type is named after our module; the stock one says "wireguard".
ktap_check "the device is ours (DEVTYPE=wgtour)" \
	'grep -qx DEVTYPE=wgtour /sys/class/net/wgt0/uevent'
ktap_check "creating it did not load the stock module" 'test ! -e /sys/module/wireguard'
ktap_check "modprobe wireguard is refused in the lab VM" \
	'! modprobe wireguard 2>/dev/null && test ! -e /sys/module/wireguard'
ktap_check "genetlink family wireguard is registered" \
	'genl ctrl get name wireguard | grep -q "wireguard"'

defaults_ok()
{
	local link
	link=$(ip -d link show wgt0)
	echo "$link" | grep -q 'mtu 1420' &&
	echo "$link" | grep -q 'POINTOPOINT,NOARP' &&
	echo "$link" | grep -q 'link/none' &&
	[ "$(cat /sys/class/net/wgt0/tx_queue_len)" = 1000 ] &&
	ip link set wgt0 up && ip link show wgt0 | grep -q 'qdisc noqueue'
}
ktap_check "defaults: MTU 1420, point-to-point, no ARP, no qdisc" 'defaults_ok'

# labs/vm/run boots with slub_debug on our caches: a use after free in
# them is a report, not silence.
slub_debugged()
{
	local cache flag
	for cache in wgtour_peer wgtour_trie_node wgt_keypair; do
		for flag in sanity_checks red_zone poison store_user; do
			[ "$(cat "/sys/kernel/slab/$cache/$flag" 2>&1)" = 1 ] ||
				{ echo "# $cache: $flag is not on"; return 1; }
		done
	done
}
ktap_check "slub_debug checks our slab caches (sanity, red zones, poison, owners)" 'slub_debugged'

ip link add wgt1 type wireguard && ip link set wgt1 up
ktap_check "rmmod with two devices present removes them" \
	'rmmod wgtour && ! ip link show wgt0 2>/dev/null && ! ip link show wgt1 2>/dev/null'
ktap_check "the module loads again afterwards" 'wgt_load'
ktap_finish
