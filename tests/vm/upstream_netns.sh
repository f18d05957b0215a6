#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The judge we did not write: upstream WireGuard's own selftest,
# tools/testing/selftests/wireguard/netns.sh from the lab kernel's source
# package (unpacked by make setup), run unmodified against wgtour.ko. It
# builds three namespaces, drives the devices with ip and wg, and checks
# counters, roaming, routing loops, the source address of replies, key
# changes, netfilter marks and more; "set -e" ends it at the first step that
# fails. The stock wireguard.ko cannot be loaded in the lab VM (guest.sh), so
# every "ip link add ... type wireguard" in it makes one of our devices.
. "$(dirname "$0")/../lib/vm.sh"

netns=$WGTOUR_ROOT/build/linux-src/tools/testing/selftests/wireguard/netns.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT

ktap_plan 2
wgt_load
start=$SECONDS
bash "$netns" > "$log" 2>&1
rc=$?
steps=$(grep -c '\[+\]' "$log")
if [ $rc != 0 ]; then
	echo "# netns.sh exited $rc after $steps steps; its last lines:"
	tail -n 25 "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^/#   /'
fi
ktap_check "upstream netns.sh passes, unmodified ($steps steps, $((SECONDS - start)) s, exit $rc)" \
	'[ "$rc" = 0 ]'
ktap_check "it ran against wgtour.ko: still loaded, stock wireguard.ko never loaded" \
	'[ -d /sys/module/wgtour ] && [ ! -d /sys/module/wireguard ]'
ktap_finish
