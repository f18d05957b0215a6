# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The two-peer topology every lab starts from (sourced inside the lab VM):
#
#   netns wgt-a                                  netns wgt-b
#   +---------------------+   veth pair   +---------------------+
#   | veth-a 192.0.2.1/24 |---------------| veth-b 192.0.2.2/24 |
#   |        2001:db8::1  |               |        2001:db8::2  |
#   | wg0  10.0.0.1/24    |               | wg0  10.0.0.2/24    |
#   |      fd00::1/64     |               |      fd00::2/64     |
#   +---------------------+               +---------------------+
#
# The outer (veth) addresses come from the documentation ranges; the tunnel
# addresses are what the lab's traffic uses. Each side gets its own key pair
# and listen port (51820 for a, 51821 for b).
#
# topo_up       build it (devices and keys; peers once the module has them)
# topo_down     remove it
# topo_show     print what exists, as "ip" and "wg" see it
#
# The namespaces and the veth pair come from labs/topo/netns.sh, which the
# tests in the lab VM build theirs with too (tests/lib/topo.sh).

. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

TOPO_NS_A=wgt-a
TOPO_NS_B=wgt-b
# The devices' names: wg0 on both sides, unless the caller names them
# (lab-handshake does: a trace line then says which side it is).
TOPO_DEV_A=${TOPO_DEV_A:-wg0}
TOPO_DEV_B=${TOPO_DEV_B:-wg0}

topo_step()
{
	printf '\033[1m==> %s\033[0m\n' "$*"
}

topo_up()
{
	local side ns port dev
	topo_step "two network namespaces joined by a veth pair"
	topo_veth_pair "$TOPO_NS_A" "$TOPO_NS_B" 2001:db8:: || return 1

	for side in a b; do
		ns=wgt-$side
		port=$([ $side = a ] && echo 51820 || echo 51821)
		dev=$([ $side = a ] && echo "$TOPO_DEV_A" || echo "$TOPO_DEV_B")
		topo_step "netns $ns: ip link add $dev type wireguard; wg set $dev private-key ... listen-port $port"
		ip -n "$ns" link add "$dev" type wireguard || return 1
		(umask 077; wg genkey > "/tmp/topo-$side.key")
		wg pubkey < "/tmp/topo-$side.key" > "/tmp/topo-$side.pub"
		ip netns exec "$ns" wg set "$dev" private-key "/tmp/topo-$side.key" \
			listen-port "$port" || return 1
		ip -n "$ns" addr add "10.0.0.$([ $side = a ] && echo 1 || echo 2)/24" dev "$dev"
		ip -n "$ns" addr add "fd00::$([ $side = a ] && echo 1 || echo 2)/64" dev "$dev" nodad
		ip -n "$ns" link set "$dev" up || return 1
	done
}

topo_show()
{
	local ns dev
	for ns in "$TOPO_NS_A" "$TOPO_NS_B"; do
		dev=$([ "$ns" = "$TOPO_NS_A" ] && echo "$TOPO_DEV_A" || echo "$TOPO_DEV_B")
		topo_step "netns $ns"
		ip -n "$ns" -brief address
		ip -n "$ns" -d link show "$dev" | sed -n '1,3p'
		echo "  driver of $dev: $(ip netns exec "$ns" cat "/sys/class/net/$dev/uevent" | grep DEVTYPE)"
		ip netns exec "$ns" wg show "$dev"
		echo
	done
}

topo_down()
{
	topo_netns_del "$TOPO_NS_A" "$TOPO_NS_B"
}
