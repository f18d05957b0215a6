#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a device may cost (chapter 2, "Creating a peer"): at most max_peers
# peers (2^20 by default, as the stock module, which says ENOMEM; the module is
# reloaded with max_peers=3 to watch the limit without a million peers),
# refused with ENOSPC and a message that says why; and the memory of peers
# and allowed-IPs nodes is charged to the memory cgroup of whoever
# configures the device, so a cgroup's limit bounds what it can make the
# kernel allocate.
. "$(dirname "$0")/../lib/vm.sh"

ns=wgt-lim
cg=/sys/fs/cgroup/wgt-lim
tmp=$(mktemp -d)
cleanup()
{
	ip netns del $ns 2>/dev/null
	rmdir $cg 2>/dev/null
	rm -rf "$tmp"
	if [ "$(cat /sys/module/wgtour/parameters/max_peers 2>/dev/null)" != 1048576 ]; then
		wgt_unload
		wgt_load
	fi
}
trap cleanup EXIT
wgnl()
{
	ip netns exec $ns python3 "$WGTOUR_ROOT/tests/lib/wgnl.py" "$@"
}

ktap_plan 4

# ---- the limit ------------------------------------------------------------------
wgt_unload || exit 1
insmod "$WGTOUR_KO" max_peers=3 || { echo "# insmod max_peers=3 failed"; exit 1; }
ip netns add $ns
ip -n $ns link add wgl0 type wireguard
for i in 1 2 3 4; do wg genkey | wg pubkey > "$tmp/p$i"; done
ip netns exec $ns wg set wgl0 peer "$(cat "$tmp/p1")" peer "$(cat "$tmp/p2")" \
	peer "$(cat "$tmp/p3")" allowed-ips 10.0.0.0/8
fourth=$(wgnl set ifname wgl0 peer "$(cat "$tmp/p4")" 2>&1 | tail -1)
update=$(wgnl set ifname wgl0 peer "$(cat "$tmp/p3")" allowed-ip 10.1.0.0/16 2>&1 | tail -1)
npeers=$(ip netns exec $ns wg show wgl0 peers | wc -l)
echo "# max_peers=3: a 4th peer: $fourth; updating the 3rd: $update; $npeers peers"
ktap_check "max_peers=3: a 4th peer is refused with ENOSPC and a message ($fourth)" \
	'[ "$fourth" = "ENOSPC: the device has its maximum number of peers" ] && [ "$npeers" = 3 ]'
ktap_check "... while the 3 peers can still be changed ($update)" '[ "$update" = OK ]'
ip netns del $ns
wgt_unload
wgt_load

# ---- memory cgroup ------------------------------------------------------------------
# 2000 peers with one allowed IP each, configured from inside a cgroup: its
# slab usage must grow by at least their size: struct wgt_peer alone is
# over 1 KiB; we ask for half of that, since without the charge it is 0.
slab() { awk '$1 == "slab" { print $2 }' $cg/memory.stat; }
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p $cg
ip netns add $ns
ip -n $ns link add wgl0 type wireguard
python3 -c '
import base64
print("[Interface]")
for i in range(1, 2001):
    key = base64.b64encode(i.to_bytes(32, "big")).decode()
    print(f"[Peer]\nPublicKey = {key}\nAllowedIPs = 10.{i // 250}.{i % 250}.0/24")
' > "$tmp/big.conf"
s0=$(slab)
bash -c "echo \$\$ > $cg/cgroup.procs; exec ip netns exec $ns wg setconf wgl0 $tmp/big.conf"
rc=$?
s1=$(slab)
npeers=$(ip netns exec $ns wg show wgl0 peers | wc -l)
echo "# memcg: wg setconf of $npeers peers (rc $rc) from cgroup wgt-lim: its slab $s0 -> $s1 bytes (+$(( (s1 - s0) / 1024 )) KiB)"
ktap_check "2000 peers configured from a cgroup (rc $rc, $npeers peers)" '[ $rc = 0 ] && [ "$npeers" = 2000 ]'
ktap_check "... are charged to it: its slab grew by $(( (s1 - s0) / 1024 )) KiB (want >= 2000 x 512 bytes)" \
	'[ $((s1 - s0)) -ge $((2000 * 512)) ]'
ktap_finish
