#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 1, exercise 3, checked: where a device's sockets live when it is
# created for another namespace, and what happens to it when its birth
# namespace dies. Runs inside the lab VM:
#
#   labs/vm/run --name book-netns -- traces/samples/ch1-netns.sh
#
# and writes build/traces/ch1-netns.txt; copy it to traces/samples/.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build/traces
out=build/traces/ch1-netns.txt
live=/sys/kernel/debug/wgtour

# step COMMAND...: show the command and what it printed.
step()
{
	echo "\$ $*"
	bash -c "$*" 2>&1 | sed 's/^/  /'
}
counters()
{
	echo "  (live devices: $(cat $live/devices), live sockets: $(cat $live/sockets))"
}
{
	echo "# chapter 1: the birth namespace (recorded by traces/samples/ch1-netns.sh)"
	echo "# 1. created from the initial namespace for namespace blue"
	step ip netns add blue
	step ip link add wg0 netns blue type wireguard
	step ip netns exec blue wg set wg0 listen-port 40001
	step ip -n blue link set wg0 up
	step "ss -Huan 'sport = 40001'          # initial namespace"
	step "ip netns exec blue ss -Huan       # blue: nothing"
	counters
	step ip netns del blue
	sleep 2
	counters
	echo "# 2. born in blue, moved to the initial namespace"
	step ip netns add blue
	step ip netns exec blue ip link add wg1 type wireguard
	step ip netns exec blue ip link set wg1 netns 1
	step ip link set wg1 up
	step "ip netns exec blue ss -Huan       # the sockets stayed in blue"
	step "ss -Huan                          # initial namespace: nothing"
	step ip netns del blue
	sleep 2
	step ip -br link show wg1
	counters
} > "$out"
cat "$out"
