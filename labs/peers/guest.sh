#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peers and cryptokey routing (chapter 2), inside the VM (make lab-peers
# boots the VM with it). One namespace, wgt-a, with a wgtour wg0 whose
# routes send everything to it. Under traces/peers.bt: three peers with
# chapter 2's allowed IPs, nested and overlapping; a datagram to each of
# eight addresses (each a lookup in the trie, traced with its answer); the
# second peer removed; the same eight datagrams again. The module's own
# dump of the trie (/sys/kernel/debug/wgtour/allowedips) is taken before
# and after the removal. traces/render_peers.py turns it all into a
# summary and pictures.
#
# usage: labs/peers/guest.sh [OUTDIR]   (default: build/labs/peers)
# OUTDIR gets: trace.txt (raw), trie-before.txt and trie-after.txt (the
# dumps), summary.txt (what is printed), lookups.svg, trie-before.svg,
# trie-after.svg (and their .dot), bpftrace.err. With WGT_PEERS_RENDER=host
# in the environment, the rendering is left to the caller. The steps it
# shares with the other labs are in labs/lib.sh.
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/netns.sh
. labs/lib.sh
lab_define peers traces/render_peers.py "${1:-}"
NS=wgt-a
# The addresses looked up: in one peer's prefix, in nested ones, in none.
addrs=(10.1.2.7 10.1.2.9 10.200.0.1 192.168.7.7 172.16.0.1 fd00:1::5 fd00::9 2001:db8::1)
# Chapter 2's three peers (traces/samples/ch2-trie.sh): lab-only keys,
# fixed, so that the dumps match the chapter's figures.
pub() { printf 'wgtour book, chapter 2, peer %s..' "$1" | base64 | wg pubkey; }
k1=$(pub A) k2=$(pub B) k3=$(pub C)

banner()
{
	echo "wgtour lab-peers on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $(loaded wgtour)"
}

# While bpftrace compiles: the namespace and an empty wg0 that every
# address is routed to. No private key: nothing is sent, only looked up.
topology()
{
	step "netns $NS: wg0 with 172.31.255.1 and fd99::1; every route leads to wg0"
	topo_netns_add "$NS" || return 1
	ip -n "$NS" link add wg0 type wireguard || return 1
	ip -n "$NS" addr add 172.31.255.1/32 dev wg0
	ip -n "$NS" addr add fd99::1/128 dev wg0 nodad
	ip -n "$NS" link set wg0 up || return 1
	ip -n "$NS" route add default dev wg0
	ip -n "$NS" -6 route add default dev wg0
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
}

teardown()
{
	topo_netns_del "$NS"
}

# dump FILE TEXT: the module's trie dump and wg's names of the owners, in
# the form traces/trie_dot.py reads (traces/samples/ch2-trie.sh's).
dump()
{
	{
		echo "# $2"
		echo "# /sys/kernel/debug/wgtour/allowedips: depth side prefix owner"
		cat /sys/kernel/debug/wgtour/allowedips
		echo "# wg show wg0 allowed-ips"
		ip netns exec "$NS" wg show wg0 allowed-ips | sed 's/^/# /'
	} > "$1"
	step "the trie, as the module dumps it ($1)"
	grep -v '^#' "$1" | sed 's/^/    /'
}

traffic()
{
	step "three peers: chapter 2's allowed IPs, nested and overlapping"
	run ip netns exec "$NS" wg set wg0 \
		peer "$k1" allowed-ips 10.0.0.0/8,10.1.0.0/16 \
		peer "$k2" allowed-ips 10.1.2.0/24,10.1.3.0/24,192.168.0.0/16 \
		peer "$k3" allowed-ips 10.1.2.7/32,fd00::/8,fd00:1::/32
	dump "$out/trie-before.txt" "three peers (make lab-peers)"
	step "a datagram to each of ${#addrs[@]} addresses: a lookup each"
	run ip netns exec "$NS" labs/peers/send-udp.sh "${addrs[@]}"
	step "the second peer removed"
	run ip netns exec "$NS" wg set wg0 peer "$k2" remove
	dump "$out/trie-after.txt" "the same after the second peer's removal (make lab-peers)"
	step "the same ${#addrs[@]} datagrams again"
	run ip netns exec "$NS" labs/peers/send-udp.sh "${addrs[@]}"
}

explain()
{
	cat <<'TEXT'

How a packet finds its peer (chapter 2, module/allowedips.c, peer.c):
  1. "wg set ... peer KEY allowed-ips ..." creates the peer (peer_create) and
     gives it each prefix (allowedips_insert): a node of the trie, new or
     existing, now owned by that peer.
  2. Every packet the stack hands wg0 asks the trie which peer owns its
     destination (wgt_allowedips_lookup): the owner of the longest prefix
     that holds the address. None: wgtour drops the packet (tx_drop, "no
     peer for destination") and the sender gets an ICMP error. Here the
     peers have no endpoint, so a packet that finds its peer is dropped
     too ("peer has no endpoint"): only the lookup matters in this lab.
  3. Removing a peer takes its prefixes out of the trie (allowedips_remove),
     which prunes the nodes nobody needs and merges the branches left with
     one child, then the peer goes (peer_remove). The same addresses now
     find a shorter prefix of another peer, or none.
Below: the configuration in order, then each address's owner before and
after the removal; the trie pictures are drawn from the module's own dumps.
TEXT
}

lab_guest_main
