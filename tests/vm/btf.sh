#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wgtour.ko carries BTF (make module adds it with pahole on the lab
# kernel's own BTF; scripts/module-btf.sh), so BTF-based tools see our
# types and our static functions: bpftool lists them, and bpftrace can
# attach a kfunc (fentry) probe to one of them (chapter 4's lab).
. "$(dirname "$0")/../lib/vm.sh"

ktap_plan 4
wgt_load
ktap_check "the kernel accepted the module's BTF (/sys/kernel/btf/wgtour)" \
	'test -s /sys/kernel/btf/wgtour'
dump=$(bpftool btf dump file /sys/kernel/btf/wgtour 2>&1)
# btf_has KIND NAME - the dump lists it, as "[id] KIND 'NAME' ..."
btf_has() { grep -q "$1 '$2'" <<< "$dump"; }
ktap_check "bpftool sees struct wgt_peer and struct wgt_keypair" \
	'btf_has STRUCT wgt_peer && btf_has STRUCT wgt_keypair'
ktap_check "bpftool sees the static function wgt_receive_poll" \
	'btf_has FUNC wgt_receive_poll'

# A kfunc probe on a static function of ours, fired by a lookup in the
# allowed-IPs trie (a ping to an address one peer owns).
out=$(mktemp)
trap 'rm -f "$out"; ip link del wgbtf0 2> /dev/null' EXIT
ip link add wgbtf0 type wireguard
wg set wgbtf0 peer "$(wg genkey | wg pubkey)" allowed-ips 10.77.0.0/16
ip addr add 10.78.0.1/32 dev wgbtf0
ip link set wgbtf0 up
ip route add 10.77.0.0/16 dev wgbtf0
timeout 60 bpftrace -e 'kfunc:wgtour:wgt_allowedips_lookup { @calls++; }
	interval:s:1 { if (@calls > 0) { exit(); } }' > "$out" 2>&1 &
bt=$!
wgt_wait_until --every 1 50 grep -q Attaching "$out"
for i in $(seq 10); do
	ping -c 1 -W 1 10.77.0.1 > /dev/null 2>&1
	kill -0 "$bt" 2> /dev/null || break
done
wait "$bt"
sed 's/^/# /' "$out"
ktap_check "bpftrace kfunc:wgtour:wgt_allowedips_lookup fired" \
	'grep -Eq "^@calls: [1-9]" "$out"'
ktap_finish
