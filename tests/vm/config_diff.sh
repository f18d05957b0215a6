#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Differential test of the configuration API (chapter 1): one script of
# "ip" and "wg" commands runs against the stock wireguard.ko and then
# against wgtour.ko in the same VM; what "wg showconf" and "wg show all
# dump" print afterwards must be identical, and hold the peers the
# scenario makes (100 on wgd0, 99 on wgd1). Keys are made once, so both
# runs see the same input. No traffic flows, so counters and handshake
# times are zero on both sides and need no masking.
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/differential.sh"
. "$(dirname "$0")/../lib/topo.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

# Fixed inputs: 103 key pairs, a PSK, and a peer with 1,000 allowed IPs.
wgt_keys "$work" {0..102}
wg genpsk > "$work/psk"
# 31 zero bytes and 0x40, what the clamping makes of an all-zero key; and
# the all-zero key
echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEA= > "$work/kclamped0"
echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= > "$work/kzero"
big=$(for i in $(seq 0 499); do echo "10.$((i / 250)).$((i % 250)).0/24"; done;
      for i in $(seq 0 499); do printf 'fd00:%x::/64\n' "$i"; done)
big=$(echo "$big" | paste -sd,)

# The scenario: everything the wg tool can set, in the order a user might.
scenario()
{
	local i ep

	ip link add wgd0 type wireguard
	ip link add wgd1 type wireguard
	wg set wgd0 private-key "$work/k0" listen-port 51820 fwmark 0x1234
	for i in $(seq 1 100); do
		if [ $((i % 2)) = 0 ]; then
			ep="192.0.2.$i:$((1000 + i))"
		else
			ep="[2001:db8::$i]:$((2000 + i))"
		fi
		wg set wgd0 peer "${wgt_pub[$i]}" endpoint "$ep" \
			allowed-ips "10.100.$i.0/24,fd10::$i/128,172.16.$i.1/32"
	done
	# PSK on some, keepalive on others, a listen-port change while down.
	for i in $(seq 1 10); do
		wg set wgd0 peer "${wgt_pub[$i]}" preshared-key "$work/psk" \
			persistent-keepalive $((i * 5))
	done
	ip link set wgd0 up
	wg set wgd0 listen-port 51821
	# A thousand allowed IPs on one peer, then partly replaced.
	wg set wgd0 peer "${wgt_pub[101]}" allowed-ips "$big"
	wg set wgd0 peer "${wgt_pub[101]}" allowed-ips "$big,192.168.0.0/16"
	# Replace-allowed-ips (implicit in wg set): peer 5 keeps only one.
	wg set wgd0 peer "${wgt_pub[5]}" allowed-ips 10.55.0.0/16
	# A prefix moves from peer 6 to peer 7.
	wg set wgd0 peer "${wgt_pub[7]}" allowed-ips "10.100.6.0/24,10.100.7.0/24"
	# Removals, including one twice and one of a key never added.
	wg set wgd0 peer "${wgt_pub[8]}" remove
	wg set wgd0 peer "${wgt_pub[8]}" remove
	wg set wgd0 peer "${wgt_pub[102]}" remove
	# Masked prefixes and v6 endpoints on the second device; fwmark off.
	wg set wgd1 private-key "$work/k1" listen-port 51900 fwmark 0
	wg set wgd1 peer "${wgt_pub[2]}" endpoint "[2001:db8::2]:51820" \
		allowed-ips "10.1.2.3/16,fd00::1:2:3/48,0.0.0.0/0,::/0"
	# addconf appends; setconf replaces peers; syncconf diffs.
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.200.0.0/16\n' "${wgt_pub[3]}" > "$work/add.conf"
	wg addconf wgd1 "$work/add.conf"
	wg showconf wgd0 > "$work/round.conf"
	wg setconf wgd1 "$work/round.conf"
	wg set wgd1 listen-port 51901 private-key "$work/k1"
	wg showconf wgd1 | sed '/AllowedIPs = 10.100.9/d' > "$work/sync.conf"
	wg syncconf wgd1 "$work/sync.conf"
	ip link set wgd1 up
	ip link set wgd0 down
	ip link set wgd0 up
	# The key an all-zero key clamps to, then the all-zero key: a request
	# to remove the key, which must not pass for "the same key again".
	ip link add wgd2 type wireguard
	wg set wgd2 private-key "$work/kclamped0"
	wg set wgd2 private-key "$work/kzero"
}

run_on()
{
	local name=$1

	scenario > "$work/$name.log" 2>&1
	wg showconf wgd0 > "$work/$name.wgd0.conf"
	wg showconf wgd1 > "$work/$name.wgd1.conf"
	wg show all dump > "$work/$name.dump"
	ip link del wgd0
	ip link del wgd1
	ip link del wgd2
}

ktap_plan 6

wgt_stock_load
ktap_check "stock wireguard.ko loaded for reference" 'test -d /sys/module/wireguard'
run_on stock
wgt_stock_unload
wgt_load
ktap_check "wgtour.ko loaded again, stock gone" \
	'test -d /sys/module/wgtour && test ! -d /sys/module/wireguard'
run_on ours

# same NAME [empty] - stock.NAME and ours.NAME identical (wgt_same)
same()
{
	wgt_same "$work" "$@"
}
# peers NAME - how many peers a saved showconf lists
peers()
{
	grep -c '^\[Peer\]' "$work/$1"
}
ktap_check "the scenario printed the same messages on both" 'same log empty'
# Identical is not enough: a scenario whose commands failed alike on both
# would agree too. Its peers: 1 to 100, then 101, then 8 removed on wgd0;
# wgd1 takes wgd0's (setconf), then key 1 as its own, which removes peer 1
# (a peer with the device's own key), and is synced with itself.
ktap_check "wg showconf wgd0 identical, 100 peers as the scenario makes ($(peers ours.wgd0.conf))" \
	'same wgd0.conf && [ "$(peers ours.wgd0.conf)" = 100 ]'
ktap_check "wg showconf wgd1 identical, 99 peers ($(peers ours.wgd1.conf))" \
	'same wgd1.conf && [ "$(peers ours.wgd1.conf)" = 99 ]'
ktap_check "wg show all dump identical ($(wc -l < "$work/ours.dump") lines)" 'same dump'
ktap_finish
