# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Network namespaces, and the veth pair that joins two of them: what the
# labs' topology (labs/topo/two-peers.sh) and the tests in the lab VM
# (tests/lib/topo.sh, for tests/vm/*.sh) are built on. Sourced inside the
# lab VM; it only defines functions.
#
#   topo_netns_add NS...      add each namespace and set its loopback up
#   topo_netns_del NS...      delete each namespace, quietly (one that does
#                             not exist is no error); returns 0
#   topo_veth_pair NS_A NS_B [V6PREFIX]
#                             add NS_A and NS_B, joined by a veth pair:
#
#       netns NS_A                              netns NS_B
#       veth-a 192.0.2.1/24, V6PREFIX1/64  <->  veth-b 192.0.2.2/24, V6PREFIX2/64
#
#                             loopbacks and veths up. The outer addresses
#                             come from the documentation ranges; the IPv6
#                             ones (only with a V6PREFIX, such as 2001:db8::)
#                             skip duplicate address detection, so they are
#                             usable at once. Returns 1 when a namespace or
#                             the pair cannot be made, 0 otherwise.

topo_netns_add()
{
	local ns rc=0
	for ns in "$@"; do
		ip netns add "$ns" || rc=1
		ip -n "$ns" link set lo up
	done
	return $rc
}

topo_netns_del()
{
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

topo_veth_pair()
{
	local a=$1 b=$2 v6=${3:-} ns
	ip netns add "$a" || return 1
	ip netns add "$b" || return 1
	ip link add veth-a netns "$a" type veth peer name veth-b netns "$b" || return 1
	ip -n "$a" addr add 192.0.2.1/24 dev veth-a
	ip -n "$b" addr add 192.0.2.2/24 dev veth-b
	if [ -n "$v6" ]; then
		ip -n "$a" addr add "${v6}1/64" dev veth-a nodad
		ip -n "$b" addr add "${v6}2/64" dev veth-b nodad
	fi
	for ns in "$a" "$b"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$a" link set veth-a up
	ip -n "$b" link set veth-b up
	return 0
}
