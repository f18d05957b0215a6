#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 1's error messages: requests the wg tool would never send, made
# with tests/lib/wgnl.py (a raw genetlink client), and what the module
# answers, errno and extack message. Runs inside the lab VM:
#
#   labs/vm/run --name book-extack -- traces/samples/ch1-extack.sh
#
# and writes build/traces/ch1-extack.txt; copy it to traces/samples/.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build/traces
out=build/traces/ch1-extack.txt
peer=$(printf 'wgtour book, chapter 1, the peer' | base64 | wg pubkey)

ip link add wg0 type wireguard
# run ARGS...: show the request and the module's answer.
run()
{
	echo "\$ wgnl.py $*" | sed "s|$peer|PEER|g"
	python3 tests/lib/wgnl.py "$@" 2>&1 | sed 's/^/  /'
}
{
	echo "# chapter 1: what the configuration API answers to bad requests"
	echo "# (recorded by traces/samples/ch1-extack.sh; PEER is a fixed test key)"
	run set ifname wg0 peer "$peer" allowed-ip 10.0.0.1/33
	run set ifname wg0 peer "$peer" allowed-ip 10.0.0.1/32 peer -
	echo "\$ wg show wg0 peers    # the first peer of that request was not added either"
	wg show wg0 peers | sed 's/^/  /'
	run set ifname wg0 flags 255
	run set ifname nosuch0 listen-port 1
	run set ifname lo listen-port 1
	run set ifname wg0 listen-port 51820 peer "$peer" allowed-ip 10.0.0.1/32
	echo "\$ wg show wg0 peers"
	wg show wg0 peers | sed "s|$peer|PEER|g; s/^/  /"
} > "$out"
ip link del wg0
cat "$out"
