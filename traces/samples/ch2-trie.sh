#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 2's trie figures: give one device three peers with nested and
# overlapping allowed IPs, print the module's own dump of the tries, then
# remove the middle peer and dump again. Runs inside the lab VM:
#
#   labs/vm/run --name ch2 -- traces/samples/ch2-trie.sh
#
# The guest can write only under build/, so the dumps land in
# build/traces/ch2-trie.txt and build/traces/ch2-trie-removed.txt; copy them
# to traces/samples/ and run traces/trie_dot.py on them to update the book's
# figures (chapters/figures/ch2-trie*.dot). The keys are fixed lab-only
# strings, so a new recording differs only in the netns number.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build/traces
out=build/traces/ch2-trie.txt
out_removed=build/traces/ch2-trie-removed.txt
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# 32 bytes each, base64: the private keys of three peers; we need their
# public keys only.
pub() { printf 'wgtour book, chapter 2, peer %s..' "$1" | base64 | wg pubkey; }
k1=$(pub A) k2=$(pub B) k3=$(pub C)

ip link add wg0 type wireguard || exit 1
wg set wg0 peer "$k1" allowed-ips 10.0.0.0/8,10.1.0.0/16 \
	peer "$k2" allowed-ips 10.1.2.0/24,10.1.3.0/24,192.168.0.0/16 \
	peer "$k3" allowed-ips 10.1.2.7/32,fd00::/8,fd00:1::/32 || exit 1

# The dump is read-only for root: it lives in debugfs.
record() {
	echo "# $1"
	echo "# /sys/kernel/debug/wgtour/allowedips (format: module/allowedips.c,"
	echo "# above wgt_allowedips_show): depth side prefix owner"
	cat /sys/kernel/debug/wgtour/allowedips
	echo "# wg show wg0 allowed-ips"
	wg show wg0 allowed-ips | sed 's/^/# /'
}
record "three peers, recorded by traces/samples/ch2-trie.sh" > "$out"
wg set wg0 peer "$k2" remove || exit 1
record "the same after \"wg set wg0 peer $k2 remove\"" > "$out_removed"
ip link del wg0
cat "$out" "$out_removed"
